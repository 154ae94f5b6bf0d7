"""The status page and the login page: HTML, CSS and script inline, nothing fetched from
elsewhere, readable on a phone. The page asks /api/status every 2 s and the picture every 3 s;
its buttons post OSC addresses to /api/command."""

import html
import json

BUTTONS = (  # (label, OSC address): what a technician needs, shown where the show has it
    ("Pause learning", "/dreams/learn/pause"),
    ("Resume learning", "/dreams/learn/resume"),
    ("Next dream", "/dreams/dream/next"),
    ("Screenshot", "/dreams/screenshot"),
    ("Contact sheet", "/dreams/sheet"),
    ("Open now", "/dreams/schedule/open"),
    ("Close now", "/dreams/schedule/close"),
    ("Opening hours", "/dreams/schedule/auto"),
)

STYLE = """
body{margin:0;background:#111;color:#ddd;font:16px/1.4 system-ui,sans-serif}
main{max-width:40rem;margin:auto;padding:.8rem}
h1{font:italic 1.5rem Georgia,serif;margin:.2rem 0 .6rem;color:#fff}
img{width:100%;background:#000;border-radius:4px;aspect-ratio:16/9;object-fit:contain}
dl{display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;margin:.8rem 0}
dt{color:#999}dd{margin:0;font-variant-numeric:tabular-nums}
#health{padding:.4rem .6rem;border-radius:4px;background:#243;margin:.5rem 0}
#health.bad{background:#622}
.buttons{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}
button{font:inherit;padding:.7rem;border:0;border-radius:4px;background:#333;color:#fff}
button:active{background:#555}
blockquote{font:italic 1rem Georgia,serif;color:#bbb;margin:.8rem 0;white-space:pre-line}
#said{color:#9c9;min-height:1.4em}
"""

SCRIPT = """
const $ = (id) => document.getElementById(id);
function ago(s){ if(s==null) return "none"; s=Math.max(0,Date.now()/1000-s);
  return s<90 ? Math.round(s)+" s ago" : s<5400 ? Math.round(s/60)+" min ago"
    : Math.round(s/3600)+" h ago"; }
function span(s){ const h=Math.floor(s/3600), m=Math.floor(s%3600/60);
  return (h? h+" h ":"")+m+" min"; }
async function refresh(){
  try {
    const r = await fetch("/api/status", {cache:"no-store"}); const s = await r.json();
    const bad = s.problems.length > 0;
    $("health").className = bad ? "bad" : ""; $("health").textContent = bad ?
      s.problems.join("; ") : "healthy";
    if (s.network === undefined) return;
    const threads = Object.entries(s.threads);
    $("network").textContent = s.network.toLocaleString();
    $("rate").textContent = s.networks_per_s.toFixed(1)+" networks/s, "
      +s.frames_per_s.toFixed(0)+" frames/s"+(s.paused ? " (learning paused)" : "");
    $("uptime").textContent = span(s.uptime_s);
    $("save").textContent = s.last_save_network ? "network "+s.last_save_network
      .toLocaleString()+", "+ago(s.last_save_unix) : "none yet in this show";
    if (s.last_save_failed) $("save").textContent += " (the last save failed)";
    $("rebirths").textContent = s.rebirths;
    $("threads").textContent = threads.filter(t=>t[1]).length+" of "+threads.length
      +" alive"+(s.thread_faults ? ", "+s.thread_faults+" faults" : "");
    $("disk").textContent = s.free_disk_bytes==null ? "?" :
      (s.free_disk_bytes/2**30).toFixed(1)+" GiB free";
    $("schedule").textContent = s.schedule; $("film").textContent = s.film;
    $("lines").textContent = s.lines.join("\\n");
  } catch (e) { $("health").className = "bad"; $("health").textContent = "no answer"; }
}
function picture(){ $("picture").src = "/api/screenshot.jpg?t="+Date.now(); }
async function press(address, label){
  const r = await fetch("/api/command", {method:"POST",
    headers:{"Content-Type":"application/json"}, body: JSON.stringify({address})});
  $("said").textContent = r.ok ? label+": sent" : label+": refused ("+r.status+")";
  setTimeout(refresh, 500);
}
for (const [label, address] of BUTTONS) {
  const b = document.createElement("button"); b.textContent = label;
  b.onclick = () => press(address, label); $("buttons").append(b);
}
refresh(); picture(); setInterval(refresh, 2000); setInterval(picture, 3000);
"""

FIGURES = (("network", "Network"), ("rate", "Speed"), ("uptime", "Up for"),
           ("save", "Last save"), ("rebirths", "Rebirths"), ("threads", "Threads"),
           ("disk", "Disk"), ("schedule", "Hours"), ("film", "Film"))  # fmt: skip


def status_page(addresses: list[str]) -> str:
    """The page, with the buttons whose addresses this show has."""
    buttons = [(label, address) for label, address in BUTTONS if address in addresses]
    figures = "".join(f'<dt>{label}</dt><dd id="{key}">…</dd>' for key, label in FIGURES)
    # </ cannot end the script early: json.dumps of our own labels, and no "<" in them
    script = f"const BUTTONS = {json.dumps(buttons)};\n{SCRIPT}"
    return _document(
        "Dreams",
        f'<h1>Dreams</h1><img id="picture" alt="the picture on screen now">'
        f'<div id="health">…</div><dl>{figures}</dl>'
        f'<div class="buttons" id="buttons"></div><p id="said"></p>'
        f'<blockquote id="lines"></blockquote><script>{script}</script>',
    )


def login_page(message: str) -> str:
    said = f"<p>{html.escape(message)}</p>" if message else ""
    return _document(
        "Dreams: the token",
        f'<h1>Dreams</h1>{said}<form method="post" action="/login">'
        '<p><label>Token <input name="token" type="password" autocomplete="current-password" '
        'style="font:inherit;width:100%"></label></p><button>Enter</button></form>',
    )


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
