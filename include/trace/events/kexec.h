/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The phases of a kexec_load() and of the jump, as trace events: the time
 * between two of them is the time a phase took.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kexec

#if !defined(_TRACE_KEXEC_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_KEXEC_H

#include <linux/tracepoint.h>

/* A kexec_load() call got the lock: what it asks for. */
TRACE_EVENT(kexec_load_start,
	    TP_PROTO(unsigned long nr_segments, unsigned long flags),
	    TP_ARGS(nr_segments, flags),
	    TP_STRUCT__entry(__field(unsigned long, nr_segments)
			     __field(unsigned long, flags)),
	    TP_fast_assign(__entry->nr_segments = nr_segments;
			   __entry->flags = flags;),
	    TP_printk("segments=%lu flags=%#lx", __entry->nr_segments,
		      __entry->flags)
);

/* The segment checks are done, for kexec_load() and kexec_file_load(). */
TRACE_EVENT(kexec_load_checked,
	    TP_PROTO(int err),
	    TP_ARGS(err),
	    TP_STRUCT__entry(__field(int, err)),
	    TP_fast_assign(__entry->err = err;),
	    TP_printk("err=%d", __entry->err)
);

/* Destination pages were taken in place: the page supply of a load. */
TRACE_EVENT(kexec_load_claimed,
	    TP_PROTO(unsigned long pages, unsigned int runs),
	    TP_ARGS(pages, runs),
	    TP_STRUCT__entry(__field(unsigned long, pages)
			     __field(unsigned int, runs)),
	    TP_fast_assign(__entry->pages = pages; __entry->runs = runs;),
	    TP_printk("pages=%lu runs=%u", __entry->pages, __entry->runs)
);

/* One segment's bytes are in the image. */
TRACE_EVENT(kexec_segment_copied,
	    TP_PROTO(unsigned long index, unsigned long mem,
		     unsigned long memsz, int err),
	    TP_ARGS(index, mem, memsz, err),
	    TP_STRUCT__entry(__field(unsigned long, index)
			     __field(unsigned long, mem)
			     __field(unsigned long, memsz) __field(int, err)),
	    TP_fast_assign(__entry->index = index; __entry->mem = mem;
			   __entry->memsz = memsz; __entry->err = err;),
	    TP_printk("segment=%lu mem=%#lx memsz=%#lx err=%d", __entry->index,
		      __entry->mem, __entry->memsz, __entry->err)
);

/* The call is over: the image installed (err 0) or dropped. */
TRACE_EVENT(kexec_load_end,
	    TP_PROTO(bool crash, int err, unsigned long pages,
		     unsigned long in_place),
	    TP_ARGS(crash, err, pages, in_place),
	    TP_STRUCT__entry(__field(bool, crash) __field(int, err)
			     __field(unsigned long, pages)
			     __field(unsigned long, in_place)),
	    TP_fast_assign(__entry->crash = crash; __entry->err = err;
			   __entry->pages = pages;
			   __entry->in_place = in_place;),
	    TP_printk("crash=%d err=%d pages=%lu in_place=%lu", __entry->crash,
		      __entry->err, __entry->pages, __entry->in_place)
);

/* The devices are down; the architecture jumps next. */
TRACE_EVENT(kexec_jump,
	    TP_PROTO(unsigned long pages, unsigned long in_place),
	    TP_ARGS(pages, in_place),
	    TP_STRUCT__entry(__field(unsigned long, pages)
			     __field(unsigned long, in_place)),
	    TP_fast_assign(__entry->pages = pages;
			   __entry->in_place = in_place;),
	    TP_printk("pages=%lu in_place=%lu to_copy=%lu", __entry->pages,
		      __entry->in_place, __entry->pages - __entry->in_place)
);

#endif /* _TRACE_KEXEC_H */

#include <trace/define_trace.h>
