package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The benchmarks compare, against one upstream in one run on loopback: the
// upstream direct, through ssokit's proxy, and through nginx as a reverse
// proxy (the reference a platform engineer would reach for). nginx is
// optional: without it its sub-benchmarks skip and say how to install it.
//
//	go test ./pkg/proxy -run '^$' -bench . -benchtime 20000x
//
// Client, proxies and upstream share the machine, so absolute figures say
// as much about the machine as about the proxies; the ratios are the point.

// TestMain doubles as the benchmark's ssokit proxy process: run with
// SSOKIT_BENCH_UPSTREAM set, the test binary serves a proxy to that
// upstream, prints its address and runs until its stdin closes. The proxy
// then has a process of its own, as nginx does, instead of sharing the
// benchmark client's two Ps.
func TestMain(m *testing.M) {
	if up := os.Getenv("SSOKIT_BENCH_UPSTREAM"); up != "" {
		os.Exit(serveBenchProxy(up))
	}
	os.Exit(m.Run())
}

func serveBenchProxy(upstream string) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as `ssokit proxy` does
	}
	p, err := New(Options{Routes: []Route{{Prefix: "/", Upstream: upstream}}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// SSOKIT_BENCH_CPUPROFILE=file profiles the proxy process itself.
	if path := os.Getenv("SSOKIT_BENCH_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	fmt.Println(ln.Addr().String())
	go func() { io.Copy(io.Discard, os.Stdin); ln.Close() }()
	_ = http.Serve(ln, p)
	return 0
}

// startSsokit runs the proxy in a child process (see TestMain).
func startSsokit(b *testing.B, upstream string) (string, int, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SSOKIT_BENCH_UPSTREAM="+upstream)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	var addr string
	if _, err := fmt.Fscanln(stdout, &addr); err != nil {
		return "", 0, fmt.Errorf("proxy process: %v", err)
	}
	return "http://" + addr, cmd.Process.Pid, nil
}

// smallBody is a small response, the size of a module or JSON answer.
var smallBody = []byte(strings.Repeat("ssokit!\n", 16)) // 128 bytes

type benchTarget struct {
	name   string
	url    string
	pid    int // the proxy's own process (nginx: its master), for CPU time
	client *http.Client
}

func benchTargets(b *testing.B) []benchTarget {
	b.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(smallBody)
	}))
	b.Cleanup(up.Close)
	p, err := New(Options{Routes: []Route{{Prefix: "/", Upstream: up.URL}}})
	if err != nil {
		b.Fatal(err)
	}
	inproc := httptest.NewServer(p)
	b.Cleanup(inproc.Close)
	px, pxPid, err := startSsokit(b, up.URL)
	if err != nil {
		b.Fatal(err)
	}
	targets := []benchTarget{{name: "direct", url: up.URL}, {name: "ssokit", url: px, pid: pxPid}, {name: "ssokit-inprocess", url: inproc.URL}}
	if ng, ngPid, err := startNginx(b, up.Listener.Addr().String()); err != nil {
		b.Logf("nginx: %v", err)
		targets = append(targets, benchTarget{name: "nginx"})
	} else {
		targets = append(targets, benchTarget{name: "nginx", url: ng, pid: ngPid})
	}
	for i := range targets {
		targets[i].client = &http.Client{Transport: &http.Transport{
			MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true,
		}}
		b.Cleanup(targets[i].client.CloseIdleConnections)
	}
	return targets
}

func fetch(b *testing.B, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || n != int64(len(smallBody)) {
		b.Fatalf("GET %s: %d, %d bytes", url, resp.StatusCode, n)
	}
}

// BenchmarkThroughput: requests per second with 32 concurrent clients on
// keep-alive connections.
func BenchmarkThroughput(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			if tg.url == "" {
				b.Skip("nginx not found: apt-get install -y nginx to compare against it")
			}
			fetch(b, tg.client, tg.url+"/warm")
			b.SetParallelism(16)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu0 := time.Now(), processTreeCPU(tg.pid)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					fetch(b, tg.client, tg.url+"/module.js")
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			// CPU the proxy process(es) spent per request: unlike req/s, it
			// hardly depends on what else the machine is running.
			if tg.pid != 0 {
				b.ReportMetric(float64((processTreeCPU(tg.pid)-cpu0).Microseconds())/float64(b.N), "proxy-cpu-µs/req")
			}
		})
	}
}

// BenchmarkLatency: one client, one request at a time, the targets
// interleaved so every target sees the same machine load; reports each
// target's median and 99th percentile and the median each proxy adds.
func BenchmarkLatency(b *testing.B) {
	targets := benchTargets(b)
	active := targets[:0]
	for _, tg := range targets {
		if tg.url != "" {
			active = append(active, tg)
		}
	}
	samples := make([][]time.Duration, len(active))
	for i, tg := range active {
		for range 200 { // warm connections, caches and the JIT-free runtime alike
			fetch(b, tg.client, tg.url+"/warm")
		}
		samples[i] = make([]time.Duration, 0, b.N)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i, tg := range active {
			t0 := time.Now()
			fetch(b, tg.client, tg.url+"/module.js")
			samples[i] = append(samples[i], time.Since(t0))
		}
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[int(float64(len(s)-1)*p)].Nanoseconds()) / 1e3
	}
	p50 := map[string]float64{}
	for i, tg := range active {
		p50[tg.name] = pct(samples[i], 0.5)
		b.ReportMetric(p50[tg.name], tg.name+"-p50-µs")
		b.ReportMetric(pct(samples[i], 0.99), tg.name+"-p99-µs")
	}
	for _, tg := range active {
		if tg.name != "direct" {
			b.ReportMetric(p50[tg.name]-p50["direct"], tg.name+"-added-p50-µs")
		}
	}
	if len(active) < len(targets) {
		b.Log("nginx not found: apt-get install -y nginx to compare against it")
	}
}

// startNginx runs nginx as a keep-alive reverse proxy to upstream on a free
// loopback port, with a throwaway prefix, and returns its URL.
func startNginx(b *testing.B, upstream string) (string, int, error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			return "", 0, fmt.Errorf("not installed (apt-get install -y nginx)")
		}
		bin = "/usr/sbin/nginx"
	}
	dir := b.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, err
	}
	addr := l.Addr().String()
	l.Close()
	conf := fmt.Sprintf(`daemon off;
master_process on;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream app { server %[2]s; keepalive 256; }
  server {
    listen %[3]s;
    keepalive_requests 100000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`, dir, upstream, addr)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", 0, err
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr, cmd.Process.Pid, nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	return "", 0, fmt.Errorf("nginx did not listen on %s within 5 s: %s", addr, log)
}

// processTreeCPU returns the user+system CPU time of pid and its direct
// children (nginx's workers), from /proc; 0 where /proc is unavailable.
func processTreeCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	var total time.Duration
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command: state ppid … utime(14) stime(15).
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		self := e.Name() == strconv.Itoa(pid)
		if !self && f[1] != strconv.Itoa(pid) {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(utime+stime) * tick
	}
	return total
}
