#!/usr/bin/env bash
# usage: scripts/signing-key.sh
#
# Makes the test signing key of the secure flavour once, with openssl, and prints the
# directory that holds it: kexec-test.key.pem (private key) and kexec-test.crt.pem (its
# self-signed X.509 certificate). scripts/kernel.sh builds the certificate into the trusted
# keyring of the secure kernels and signs their bzImage with the key (sbsign), so that
# kexec_file_load accepts it under lockdown. A test key: never use it for anything else.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${KX_BUILD:-$top/build}
dir=$build/keys
key=$dir/kexec-test.key.pem
crt=$dir/kexec-test.crt.pem

[ $# -eq 0 ] || { echo "usage: scripts/signing-key.sh" >&2; exit 2; }
if [ ! -f "$key" ] || [ ! -f "$crt" ]; then
	echo "signing-key.sh: making the test signing key in ${dir#"$top"/}" >&2
	mkdir -p "$dir"
	tmp=$(mktemp -d "$dir/.new.XXXXXX")
	openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 36500 -batch \
		-subj "/CN=kexec test signing key/" \
		-addext "basicConstraints=critical,CA:FALSE" \
		-addext "keyUsage=digitalSignature" \
		-addext "extendedKeyUsage=codeSigning" \
		-keyout "$tmp/key.pem" -out "$tmp/crt.pem" 2>/dev/null
	chmod 600 "$tmp/key.pem"
	mv "$tmp/crt.pem" "$crt"
	mv "$tmp/key.pem" "$key"
	rmdir "$tmp"
fi
echo "$dir"
