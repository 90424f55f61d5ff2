// Render Mermaid diagram sources with the real Mermaid in headless Chromium.
//
// stdin:  JSON, a list of items; an item is a diagram source (string) or
//         {"source": "...", "config": {...}} (merged over the base config below).
// stdout: JSON {"mermaid": version, "results": [...], "executed": [...]}, one result per item:
//         {"ok": bool, "error": str|null, "svg": str|null, "text": str|null,
//          "scripts": int, "handlers": [attr...], "js_urls": [value...]}
//         "text" is the visible text of the SVG after it was put into the page as
//         a site would (innerHTML); scripts/handlers/js_urls are what that DOM
//         holds. "executed" lists the arguments of every call of window.pwned()
//         made by anything in any rendered SVG (hostile test labels try to call it).
//
// One browser and one page serve all diagrams. The browser is Debian's Chromium
// (CHROMIUM env var, default /usr/bin/chromium) driven by playwright-core;
// nothing is downloaded. Mermaid is loaded from node_modules, never the network.
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const mermaidJs = join(here, "node_modules", "mermaid", "dist", "mermaid.min.js");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const version = JSON.parse(readFileSync(join(here, "node_modules", "mermaid", "package.json"), "utf8")).version;

const items = JSON.parse(readFileSync(0, "utf8"));
if (!Array.isArray(items)) {
  throw new Error("stdin must be a JSON list of diagram sources");
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
  const page = context.pages()[0] || (await context.newPage());
  // Nothing may come from the network: a label that smuggled in a URL would show up here.
  const requests = [];
  await page.route("**/*", (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addScriptTag({ path: mermaidJs });
  const out = await page.evaluate(async (items) => {
    window.__executed = [];
    window.pwned = (x) => window.__executed.push(String(x));
    const base = { startOnLoad: false, securityLevel: "strict", logLevel: "fatal", deterministicIds: true };
    const results = [];
    const shown = document.createElement("div");
    document.body.appendChild(shown);
    for (let i = 0; i < items.length; i++) {
      const item = typeof items[i] === "string" ? { source: items[i] } : items[i];
      const result = { ok: false, error: null, svg: null, text: null, scripts: 0, handlers: [], js_urls: [] };
      try {
        mermaid.initialize({ ...base, ...(item.config || {}) });
        await mermaid.parse(item.source);
        const { svg } = await mermaid.render(`diagram${i}`, item.source);
        result.svg = svg;
        // Put it into the page the way a site does, then look at what the DOM made of it.
        const box = document.createElement("div");
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
      } catch (err) {
        result.error = String((err && (err.message || err.str)) || err);
        // A failed render may leave its error drawing behind.
        document.getElementById(`ddiagram${i}`)?.remove();
      }
      results.push(result);
    }
    // Handlers (img onerror and the like) fire asynchronously: give them time.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { results, executed: window.__executed };
  }, items);
  // MERMAID_SCREENSHOTS=DIR: a PNG of every rendered diagram, for a human to look at.
  const shots = process.env.MERMAID_SCREENSHOTS;
  if (shots) {
    const boxes = await page.locator("body > div > div").all();
    for (let i = 0; i < boxes.length; i++) {
      await boxes[i].screenshot({ path: join(shots, `diagram${i}.png`) });
    }
  }
  out.requests = requests;
  out.mermaid = version;
  process.stdout.write(JSON.stringify(out));
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
