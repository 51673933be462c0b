// gopeer: Go's crypto/tls as a test peer for NSSL (tests/interop/go_peer.sh). Go's TLS 1.3
// server sends tickets only to clients whose psk_key_exchange_modes allow resuming with them
// (RFC 8446 4.2.9), and Go before 1.21 has no extended master secret (RFC 7627).
//
//	gopeer server PORT CERT KEY VERSION N   serve N connections, one echo line each; print
//	                                        "resumed: yes|no" per connection
//	gopeer client PORT CA NAME VERSION      connect, send "ping", print the answer
//
// VERSION is 1.2 or 1.3 (the highest offered or accepted).
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

func version(s string) uint16 {
	if s == "1.2" {
		return tls.VersionTLS12
	}
	return tls.VersionTLS13
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gopeer: "+format+"\n", args...)
	os.Exit(1)
}

func serve(port, cert, key, ver string, n int) {
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		fail("%v", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MaxVersion: version(ver)}
	ln, err := tls.Listen("tcp", "127.0.0.1:"+port, cfg)
	if err != nil {
		fail("%v", err)
	}
	for i := 0; i < n; i++ {
		c, err := ln.Accept()
		if err != nil {
			fail("%v", err)
		}
		tc := c.(*tls.Conn)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			fmt.Printf("handshake failed: %v\n", err)
			tc.Close()
			continue
		}
		line, err := bufio.NewReader(tc).ReadString('\n')
		if err == nil {
			tc.Write([]byte(line))
		}
		st := tc.ConnectionState()
		fmt.Printf("resumed: %v\n", map[bool]string{true: "yes", false: "no"}[st.DidResume])
		tc.Close()
	}
}

func client(port, ca, name, ver string) {
	pem, err := os.ReadFile(ca)
	if err != nil {
		fail("%v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: roots, ServerName: name, MaxVersion: version(ver)}
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", "127.0.0.1:"+port, cfg)
	if err != nil {
		fail("%v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		fail("%v", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fail("%v", err)
	}
	fmt.Print(line)
}

func main() {
	a := os.Args
	switch {
	case len(a) == 7 && a[1] == "server":
		n, err := strconv.Atoi(a[6])
		if err != nil {
			fail("bad count %q", a[6])
		}
		serve(a[2], a[3], a[4], a[5], n)
	case len(a) == 6 && a[1] == "client":
		client(a[2], a[3], a[4], a[5])
	default:
		fail("usage: gopeer server PORT CERT KEY VERSION N | client PORT CA NAME VERSION")
	}
}
