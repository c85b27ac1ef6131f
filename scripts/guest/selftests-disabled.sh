# selftests-disabled: the kexec_load_disabled case alone, in a boot of its own.
# shellcheck source=scripts/guest/selftests.sh
. /kx/selftests.sh
