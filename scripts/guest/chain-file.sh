# chain through kexec_file_load: chain.sh, with kx.syscall=file (see check.py).
# shellcheck source=scripts/guest/chain.sh
. /kx/chain.sh
