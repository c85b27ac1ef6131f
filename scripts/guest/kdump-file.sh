# kdump through kexec_file_load: kdump.sh, with kx.syscall=file (see check.py).
# shellcheck source=scripts/guest/kdump.sh
. /kx/kdump.sh
