// Render Mermaid diagram sources with the real Mermaid in headless Chromium.
//
// stdin:  JSON, a list of items; an item is a diagram source (string) or
//         {"source": "...", "config": {...}, "package": "mermaid"}: config is merged
//         over the base config below; package is the npm package (or alias) whose
//         dist/mermaid.min.js renders it: "mermaid" (12, the default) or "mermaid-11".
// stdout: JSON {"versions": {package: version}, "results": [...], "executed": [...], "requests": [...]},
//         one result per item:
//         {"ok": bool, "error": str|null, "svg": str|null, "text": str|null,
//          "scripts": int, "handlers": [attr...], "js_urls": [value...]}
//         "text" is the visible text of the SVG after it was put into the page as
//         a site would (innerHTML); scripts/handlers/js_urls are what that DOM
//         holds. "executed" lists the arguments of every call of window.pwned()
//         made by anything in any rendered SVG (hostile test labels try to call it);
//         "requests" every URL a page tried to load (all are refused).
//
// One browser serves all diagrams, shared out over up to MERMAID_PAGES pages
// (default: 2, or 1 on a one-core machine), each a renderer process of its own. The browser is Debian's Chromium
// (CHROMIUM env var, default /usr/bin/chromium) driven by playwright-core;
// nothing is downloaded. Mermaid is loaded from node_modules, never the network.
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const PACKAGES = ["mermaid", "mermaid-11"];

const items = JSON.parse(readFileSync(0, "utf8")).map((item) => (typeof item === "string" ? { source: item } : item));
if (!Array.isArray(items)) {
  throw new Error("stdin must be a JSON list of diagram sources");
}
const versions = {};
for (const item of items) {
  const pkg = item.package || "mermaid";
  if (!PACKAGES.includes(pkg)) throw new Error(`unknown Mermaid package ${pkg}`);
  versions[pkg] ??= JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version;
}

const profile = mkdtempSync(join(tmpdir(), "mermaid-check-"));
let context;
try {
  // A persistent context is how playwright takes a fresh --user-data-dir of our own.
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Nothing may come from the network: a label that smuggled in a URL would show up here.
  const requests = [];
  await context.route("**/*", (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  // Diagrams are shared out over a few pages, each a renderer process of its own (a core
  // each) with one Mermaid build: jobs of at most `chunk` items of one package.
  const shots = process.env.MERMAID_SCREENSHOTS || "";
  const wanted = Number(process.env.MERMAID_PAGES || Math.min(2, availableParallelism()));
  const chunk = Math.max(10, Math.ceil(items.length / Math.max(1, wanted)));
  const jobs = [];
  for (const pkg of PACKAGES) {
    const mine = items.map((item, index) => ({ ...item, index })).filter((item) => (item.package || "mermaid") === pkg);
    for (let k = 0; k < mine.length; k += chunk) jobs.push({ pkg, items: mine.slice(k, k + chunk) });
  }
  const parts = new Array(jobs.length);
  let next = 0;
  const worker = async (n) => {
    const page = n === 0 && context.pages()[0] ? context.pages()[0] : await context.newPage();
    let loaded = null;
    while (next < jobs.length) {
      const j = next++;
      const job = jobs[j];
      if (loaded !== job.pkg) {
        await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
        await page.addScriptTag({ path: join(here, "node_modules", job.pkg, "dist", "mermaid.min.js") });
        loaded = job.pkg;
      }
      parts[j] = await page.evaluate(renderInPage, { items: job.items, keep: !!shots });
      // MERMAID_SCREENSHOTS=DIR: a PNG of every rendered diagram, for a human to look at.
      if (shots) {
        for (const box of await page.locator("body > div > div").all()) {
          const id = await box.getAttribute("data-diagram");
          await box.screenshot({ path: join(shots, `diagram${id}.png`) });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(wanted, jobs.length)) }, (_, n) => worker(n)));
  const results = new Array(items.length);
  jobs.forEach((job, j) => job.items.forEach((item, k) => (results[item.index] = parts[j].results[k])));
  const out = {
    versions,
    results,
    executed: parts.flatMap((p) => p.executed),
    requests,
  };
  process.stdout.write(JSON.stringify(out));
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}

// Runs inside the page: render each item, put its SVG into the page, look at the DOM.
async function renderInPage({ items, keep }) {
  const before = (window.__executed ||= []).length;
  window.pwned = (x) => window.__executed.push(String(x));
  const base = { startOnLoad: false, securityLevel: "strict", logLevel: "fatal", deterministicIds: true };
  const results = [];
  const shown = document.createElement("div");
  document.body.appendChild(shown);
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    const i = item.index;
    const result = { ok: false, error: null, svg: null, text: null, scripts: 0, handlers: [], js_urls: [] };
    try {
      mermaid.initialize({ ...base, ...(item.config || {}) });
      await mermaid.parse(item.source);
      const { svg } = await mermaid.render(`diagram${i}`, item.source);
      result.svg = svg;
      // Put it into the page the way a site does, then look at what the DOM made of it.
      const box = document.createElement("div");
      box.setAttribute("data-diagram", String(i));
      box.innerHTML = svg;
      shown.appendChild(box);
      const svgEl = box.querySelector("svg");
      if (!svgEl) throw new Error("render returned no <svg> element");
      result.scripts = box.querySelectorAll("script").length;
      for (const el of box.querySelectorAll("*")) {
        for (const attr of el.attributes) {
          const value = attr.value.replace(/[\s\u0000-\u001f]+/g, "").toLowerCase();
          if (attr.name.toLowerCase().startsWith("on")) result.handlers.push(`${el.tagName}.${attr.name}`);
          if (value.includes("javascript:") || value.includes("vbscript:") || value.startsWith("data:text/html")) {
            result.js_urls.push(`${el.tagName}.${attr.name}=${attr.value}`);
          }
        }
      }
      const copy = svgEl.cloneNode(true);
      for (const style of copy.querySelectorAll("style")) style.remove();
      result.text = copy.textContent;
      result.ok = true;
      // Out of the layout (every later measurement would lay it out again), still in the page.
      if (!keep) box.style.display = "none";
    } catch (err) {
      result.error = String((err && (err.message || err.str)) || err);
      // A failed render may leave its error drawing behind.
      document.getElementById(`ddiagram${i}`)?.remove();
    }
    results.push(result);
  }
  // Handlers (img onerror and the like) fire asynchronously: give them time.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { results, executed: window.__executed.slice(before) };
}
