//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpx

import (
	"net"
	"syscall"
)

// connAlive reports whether the idle connection nc is still open: nothing
// to read yet, no end from the server (a peek that does not wait).
func connAlive(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && alive
}
