# A kdump variant: kdump.sh, with the crash kx.crash= names (see check.py).
# shellcheck source=scripts/guest/kdump.sh
. /kx/kdump.sh
