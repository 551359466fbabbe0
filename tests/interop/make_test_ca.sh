#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes a throwaway certificate authority and a server certificate it signs, for the TLS interop
# tests: DIR/ca.pem, DIR/server.pem and DIR/server.key (EC P-256, valid two days).
#   make_test_ca.sh DIR SUBJECT_ALT_NAME...     e.g. make_test_ca.sh /tmp/x DNS:localhost IP:127.0.0.1
set -euo pipefail
dir="$1"
shift
san=$(IFS=,; echo "$*")
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=wscore interop test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=${1#*:}" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
