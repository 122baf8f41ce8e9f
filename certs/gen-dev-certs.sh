#!/bin/sh
# Creates a development CA and an ECDSA P-256 server certificate for
# localhost / 127.0.0.1 / ::1 in certs/. The keys never leave this machine
# (certs/*.key is git-ignored). Re-run is a no-op while the certificate is
# valid for at least another 30 days.
set -eu
cd "$(dirname "$0")"

if [ -f server.pem ] && [ -f server.key ] && [ -f ca.pem ] &&
	openssl x509 -in server.pem -noout -checkend 2592000 >/dev/null 2>&1; then
	exit 0
fi

umask 077
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=fieldtrace dev CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
cat > server.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 397 -sha256 -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem
echo "certs: dev CA certs/ca.pem and server certificate certs/server.pem created"
