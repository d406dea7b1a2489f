#!/usr/bin/env python3
"""Operator control under load (issue 14): runs `ballast run` on the replay example with
the feed looped as fast as it goes, sends a control command every second for --minutes,
and prints how long each kill / pause took to be applied (the reply is sent once the
engine has applied it), whether any command went unanswered, and whether any order went
out after a kill or pause took effect. Every other minute a second client floods the
control socket with newlines (32 MiB per burst); the figures are given with and without.

    scripts/soak-control.py [--minutes 10] [--ballast build/release/tools/ballast]

Prints the machine first. Needs a Release build (the README's test command makes one).
"""
import argparse, json, os, platform, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"machine: {os.cpu_count()} CPUs, {cpu}; kernel {platform.release()}"


def make_config(tmp):
    text = open(os.path.join(ROOT, "config/examples/replay_loopback.toml")).read()
    feed = os.path.join(ROOT, "tests/data/ticks_demo.csv")
    start = text.index("\n[feed]\n") + 1
    end = text.index("\n[orders]\n") + 1
    text = (text[:start] + f'[feed]\nkind = "replay"\nfile = "{feed}"\npace = "fast"\nloop = true\n\n'
            + text[end:])
    text += f'\n[control]\nsocket = "{tmp}/ctl.sock"\naudit_log = "{tmp}/audit.log"\n'
    path = os.path.join(tmp, "soak.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def request(self, obj, timeout=10.0):
        self.s.settimeout(timeout)
        self.s.sendall((json.dumps(obj) + "\n").encode())
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


def flooder(path, on, stop):
    burst = b"\n" * (32 << 20)
    while not stop.is_set():
        if not on.is_set():
            time.sleep(0.05)
            continue
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.sendall(burst)
            s.close()
        except OSError:
            time.sleep(0.05)


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--ballast", default=os.path.join(ROOT, "build/release/tools/ballast"))
    a = ap.parse_args()
    print(machine())
    tmp = tempfile.mkdtemp(prefix="ballast-soak-")
    os.chmod(tmp, 0o700)
    cfg = make_config(tmp)
    duration = int(a.minutes * 60) + 10
    engine = subprocess.Popen([a.ballast, "run", "--config", cfg, "--duration", str(duration), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    sock = os.path.join(tmp, "ctl.sock")
    for _ in range(200):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    op = Client(sock)
    stop, flood_on = threading.Event(), threading.Event()
    t = threading.Thread(target=flooder, args=(sock, flood_on, stop), daemon=True)
    t.start()
    lat = {("kill", False): [], ("kill", True): [], ("pause", False): [], ("pause", True): []}
    sent = answered = lost = violations = 0
    cycle = ["pause", "resume", "kill", "resume"]
    t0 = time.monotonic()
    k = 0
    while time.monotonic() - t0 < a.minutes * 60:
        minute = int((time.monotonic() - t0) // 60)
        flooding = minute % 2 == 1
        (flood_on.set if flooding else flood_on.clear)()
        cmd = cycle[k % len(cycle)]
        k += 1
        sent += 1
        t_send = time.monotonic()
        try:
            r = op.request({"v": 1, "id": k, "cmd": cmd})
        except (OSError, ConnectionError, ValueError):
            lost += 1
            break
        t_reply = time.monotonic()
        if r.get("ok"):
            answered += 1
        else:
            lost += 1
        if cmd in ("kill", "pause") and r.get("ok"):
            lat[(cmd, flooding)].append((t_reply - t_send) * 1e3)
            # Taken effect: no order may go out while halted or paused.
            s1 = op.request({"v": 1, "cmd": "status"})
            time.sleep(0.3)
            s2 = op.request({"v": 1, "cmd": "status"})
            if s2.get("orders", 0) != s1.get("orders", 0):
                violations += 1
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t_send)))
    stop.set()
    status = op.request({"v": 1, "cmd": "status"})
    engine.terminate()
    out, _ = engine.communicate(timeout=60)
    print(f"run: {a.minutes:g} min of `ballast run` on replay_loopback.toml, feed pace=fast loop=true; "
          f"{status.get('ticks', 0):,} ticks, {status.get('orders', 0):,} orders by the end")
    print(f"commands: {sent} sent, {answered} answered ok, {lost} lost or refused; "
          f"orders after a kill/pause took effect: {violations}")
    for (cmd, flooding), v in sorted(lat.items()):
        label = "with 32 MiB newline floods on a second client" if flooding else "no flood"
        if v:
            print(f"{cmd:5s} {label:46s} n={len(v):4d}  send->applied p50 {pct(v, 50):7.3f} ms  "
                  f"p99 {pct(v, 99):7.3f} ms  max {max(v):7.3f} ms")
    return 0 if lost == 0 and violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
