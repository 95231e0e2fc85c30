// Opens a gallery's index.html in headless Chromium over the DevTools protocol (pipe transport, so
// no npm packages and no network port) and checks what a visitor would see:
//   - no console errors, no uncaught exceptions, no failed loads;
//   - every <img> decodes (naturalWidth > 0), lazily loaded ones included (they are switched to
//     eager first, after recording that every atlas thumbnail is lazy);
//   - how many atlases, atlas thumbnails and cards with a novelty plot the page has;
//   - the substrate and text filters and the sort change what is shown.
// Usage: node check_gallery.js CHROMIUM INDEX_HTML USER_DATA_DIR [SCREENSHOT_PNG [VIEWPORT_HEIGHT]]
// Prints one JSON line with the findings; exits 1 on any failure.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const [chromium, index, profile, screenshot, height] = process.argv.slice(2);
const browser = spawn(chromium, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
  "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank",
], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
let stderr = "";
browser.stderr.on("data", (d) => { stderr += d; });

let nextId = 1;
const pending = new Map();
const listeners = [];
let buffer = "";
browser.stdio[4].on("data", (chunk) => {
  buffer += chunk.toString("utf8");
  let i;
  while ((i = buffer.indexOf("\0")) >= 0) {
    const msg = JSON.parse(buffer.slice(0, i));
    buffer = buffer.slice(i + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
    } else if (msg.method) {
      listeners.forEach((l) => l(msg));
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  browser.stdio[3].write(JSON.stringify(msg) + "\0");
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const problems = [];
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const s = (m, p) => send(m, p, sessionId);
  let loaded = false;
  listeners.push((msg) => {
    if (msg.sessionId !== sessionId) return;
    if (msg.method === "Page.loadEventFired") loaded = true;
    if (msg.method === "Runtime.consoleAPICalled" && (msg.params.type === "error" || msg.params.type === "assert")) {
      problems.push("console error: " + msg.params.args.map((a) => a.value || a.description).join(" "));
    }
    if (msg.method === "Runtime.exceptionThrown") {
      const d = msg.params.exceptionDetails;
      problems.push("exception: " + ((d.exception && d.exception.description) || d.text));
    }
    if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error") {
      problems.push("log error: " + msg.params.entry.text + " " + (msg.params.entry.url || ""));
    }
  });
  await s("Page.enable");
  await s("Runtime.enable");
  await s("Log.enable");
  await s("Emulation.setDeviceMetricsOverride", { width: 1280, height: parseInt(height || "900", 10), deviceScaleFactor: 1, mobile: false });
  await s("Page.navigate", { url: pathToFileURL(path.resolve(index)).href });
  for (let i = 0; i < 300 && !loaded; i++) await sleep(100);
  if (!loaded) problems.push("page did not finish loading in 30 s");
  const evaluate = async (expr) => {
    const r = await s("Runtime.evaluate", { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(expr + ": " + r.exceptionDetails.text);
    return r.result.value;
  };
  // Atlas thumbnails load lazily (as they scroll into view); load every image now to check it.
  const atlasLazy = await evaluate(`[...document.querySelectorAll('.atlas img')].every(i => i.loading === 'lazy')`);
  await evaluate(`document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })`);
  const atlases = await evaluate(`document.querySelectorAll('.atlas').length`);
  const atlasImages = await evaluate(`document.querySelectorAll('.atlas img').length`);
  const noveltyCards = await evaluate(`[...document.querySelectorAll('#cards .card')].filter(c => c.querySelector('.novelty svg polyline')).length`);
  // Wait for every image to finish decoding (animated WebP decodes lazily after load).
  const images = await evaluate(`Promise.all([...document.images].map(i => i.decode().then(() => null, () => i.currentSrc || i.src)))
    .then(bad => ({ total: document.images.length, broken: [...document.images].filter(i => i.naturalWidth === 0).map(i => i.currentSrc || i.src), failed: bad.filter(Boolean) }))`);
  if (images.total === 0) problems.push("no images on the page");
  images.broken.forEach((src) => problems.push("image does not decode: " + src));
  images.failed.forEach((src) => problems.push("image decode() failed: " + src));
  const webp = await evaluate(`[...document.images].filter(i => (i.currentSrc || '').endsWith('.webp')).length`);
  const visible = `[...document.querySelectorAll('#cards .card')].filter(c => !c.hidden && c.offsetParent !== null).length`;
  const total = await evaluate(`document.querySelectorAll('#cards .card').length`);
  const shownAll = await evaluate(visible);
  const substrates = await evaluate(`[...document.querySelectorAll('#f-substrate option')].map(o => o.value).filter(Boolean)`);
  const bySubstrate = {};
  for (const sub of substrates) {
    bySubstrate[sub] = await evaluate(`(() => { const el = document.getElementById('f-substrate'); el.value = ${JSON.stringify(sub)};
      el.dispatchEvent(new Event('change')); return ${visible}; })()`);
  }
  await evaluate(`(() => { const el = document.getElementById('f-substrate'); el.value = ''; el.dispatchEvent(new Event('change')); })()`);
  const firstName = await evaluate(`document.querySelector('#cards .card').dataset.name`);
  const byText = await evaluate(`(() => { const el = document.getElementById('f-text'); el.value = ${JSON.stringify(firstName)};
      el.dispatchEvent(new Event('input')); const n = ${visible}; el.value = 'no-such-creature-zzz'; el.dispatchEvent(new Event('input'));
      const none = ${visible}; el.value = ''; el.dispatchEvent(new Event('input')); return [n, none]; })()`);
  const sorted = await evaluate(`(() => { const el = document.getElementById('sort'); el.value = 'name'; el.dispatchEvent(new Event('change'));
      const names = [...document.querySelectorAll('#cards .card')].map(c => c.dataset.name);
      el.value = 'score'; el.dispatchEvent(new Event('change')); return names; })()`);
  const count = await evaluate(`document.getElementById('count').textContent`);
  if (total === 0) problems.push("no creature cards");
  if (shownAll !== total) problems.push(`only ${shownAll} of ${total} cards shown before filtering`);
  if (webp === 0) problems.push("no animated WebP clip was chosen by the browser");
  if (substrates.length < 2) problems.push("expected at least two substrates in the filter");
  for (const [sub, n] of Object.entries(bySubstrate)) {
    if (!(n > 0 && n < total)) problems.push(`substrate filter ${sub} shows ${n} of ${total}`);
  }
  if (byText[0] < 1 || byText[0] >= total || byText[1] !== 0) problems.push("text filter: " + JSON.stringify(byText));
  const want = [...sorted].sort((a, b) => a.localeCompare(b));
  if (JSON.stringify(sorted) !== JSON.stringify(want)) problems.push("sort by name: " + JSON.stringify(sorted));
  if (screenshot) {
    await evaluate(`window.scrollTo(0, 0)`);
    await sleep(300);
    const shot = await s("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
  }
  console.log(JSON.stringify({ ok: problems.length === 0, problems, images: images.total, webp, total, bySubstrate, byText, sorted, count, atlases, atlasImages, atlasLazy, noveltyCards }));
  return problems.length === 0;
}

const timer = setTimeout(() => { console.log(JSON.stringify({ ok: false, problems: ["timed out"], stderr })); browser.kill(); process.exit(1); }, 90000);
main().then((ok) => { clearTimeout(timer); browser.kill(); process.exit(ok ? 0 : 1); },
  (e) => { clearTimeout(timer); console.log(JSON.stringify({ ok: false, problems: [String(e)], stderr: stderr.slice(-2000) })); browser.kill(); process.exit(1); });
