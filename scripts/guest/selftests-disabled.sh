# selftests-disabled: the kexec_load_disabled case alone, in a boot of its own.
. /kx/selftests.sh
