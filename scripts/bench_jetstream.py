#!/usr/bin/env python3
"""Figures for docs/performance.md, "JetStream gate": end-to-end messages per
second through a real nats-server with 1 and 2 gate workers, publish-to-
decision latency at a paced rate, and CPU time per component (server,
workers, publisher) against `charter replay` on the same file, all in one
run (the machine is noisy: compare within a run).

    cargo build --release -p charter-cli && cargo build --release -p charter-runtime --example gen_traffic
    python3 scripts/bench_jetstream.py [--messages 200000] [--rate 5000]
"""
import argparse, json, os, resource, shutil, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
CHARTER = os.path.join(REL, "charter")
GEN = os.path.join(REL, "examples", "gen_traffic")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def status(url):
    out = subprocess.run([CHARTER, "nats", "status", "--nats", url], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run(config, traffic, n, workers, rate=None):
    d = tempfile.mkdtemp(prefix="charter-bench-")
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    server = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", d],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    ws = [subprocess.Popen([CHARTER, "gate", config, "--nats", url, "--worker", f"w{i}"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(workers)]
    # Wait until the partitions are shared out.
    time.sleep(4)
    cpu0 = {"server": cpu_of(server.pid), "workers": sum(cpu_of(w.pid) for w in ws)}
    args = [CHARTER, "nats", "publish", traffic, "--nats", url] + (["--rate", str(rate)] if rate else [])
    t0 = time.monotonic()
    pub = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, st, ru = os.wait4(pub.pid, 0)
    t_pub = time.monotonic() - t0
    while True:
        s = status(url)
        if s.get("inbound") == n and s.get("undecided") == 0:
            break
        time.sleep(0.05)
    t = time.monotonic() - t0
    cpu = {"server": cpu_of(server.pid) - cpu0["server"],
           "workers": sum(cpu_of(w.pid) for w in ws) - cpu0["workers"],
           "publisher": ru.ru_utime + ru.ru_stime}
    lat = []
    for w in ws:
        w.send_signal(signal.SIGTERM)
        _, err = w.communicate(timeout=60)
        for line in err.splitlines():
            if "p99" in line:
                p50 = float(line.split("p50 ")[1].split(" ms")[0])
                p99 = float(line.split("p99 ")[1].split(" ms")[0])
                lat.append((p50, p99))
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    shutil.rmtree(d, ignore_errors=True)
    return {"workers": workers, "seconds": t, "publish_seconds": t_pub, "per_second": n / t,
            "cpu": cpu, "p50_ms": max(p for p, _ in lat) if lat else None,
            "p99_ms": max(p for _, p in lat) if lat else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--rate", type=int, default=5000)
    a = ap.parse_args()
    if not (os.path.exists(CHARTER) and os.path.exists(GEN)):
        sys.exit("bench: build first: cargo build --release -p charter-cli && cargo build --release -p charter-runtime --example gen_traffic")
    d = tempfile.mkdtemp(prefix="charter-bench-in-")
    config = os.path.join(d, "config.json")
    subprocess.run([CHARTER, "export", os.path.join(ROOT, "models/examples/ecommerce.model.json"),
                    "--env", "prod", "-o", config], check=True)
    traffic = os.path.join(d, "traffic.jsonl")
    subprocess.run([GEN, traffic, str(a.messages), "--acks"], check=True)
    n = sum(1 for _ in open(traffic))
    print(f"{n} messages (events, requests, states, acks) of the sample model")
    t0 = time.monotonic()
    rep = subprocess.Popen([CHARTER, "replay", config, traffic], stdout=subprocess.DEVNULL)
    _, _, ru = os.wait4(rep.pid, 0)
    print(f"replay: {time.monotonic() - t0:.2f} s wall, {ru.ru_utime + ru.ru_stime:.2f} s CPU, "
          f"{n / (ru.ru_utime + ru.ru_stime):,.0f} messages per CPU second")
    rows = [run(config, traffic, n, 1), run(config, traffic, n, 2)]
    # Latency at a sustained rate below capacity (a slice of the same traffic).
    sliced = os.path.join(d, "slice.jsonl")
    m = min(n, a.rate * 20)
    with open(traffic) as src, open(sliced, "w") as dst:
        for i, line in enumerate(src):
            if i >= m:
                break
            dst.write(line)
    paced = run(config, sliced, m, 1, rate=a.rate)
    print("| workers | messages/s end to end | publish alone (s) | CPU s: server | workers | publisher | p50 / p99 publish→decision (ms) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["cpu"]
        print(f"| {r['workers']} | {r['per_second']:,.0f} | {r['publish_seconds']:.1f} | {c['server']:.1f} | {c['workers']:.1f} | "
              f"{c['publisher']:.1f} | {r['p50_ms']:.0f} / {r['p99_ms']:.0f} (backlog) |")
    c = paced["cpu"]
    print(f"| 1, paced at {a.rate:,}/s ({m:,} msgs) | {paced['per_second']:,.0f} | {paced['publish_seconds']:.1f} | {c['server']:.1f} | "
          f"{c['workers']:.1f} | {c['publisher']:.1f} | {paced['p50_ms']:.1f} / {paced['p99_ms']:.1f} |")
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
