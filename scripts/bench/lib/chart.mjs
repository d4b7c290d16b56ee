/**
 * A hand-made SVG chart of one results document: for every workload, each client's figure
 * relative to ws on a log scale (ws = 1×; right of the line is better: for latency and memory
 * the ratio is inverted so that "better" always points right).
 * Run directly to redraw from a JSON file: `node scripts/bench/lib/chart.mjs results/latest.json > chart.svg`.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METRICS } from './workloads.mjs';

const COLORS = { curlws: '#d9480f', 'curlws-ws': '#f08c00', undici: '#1971c2', c: '#868e96', ws: '#2b8a3e' };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function renderChart(doc) {
  const better = (m, a, b) => (METRICS_LOWER.has(m) ? b / a : a / b);
  const series = Object.keys(doc.clients).filter((c) => c !== 'ws');
  const rows = [];
  for (const res of doc.results) {
    const m = METRICS[res.workload.kind].primary;
    const ws = res.clients.ws;
    const bars = series.map((c) => {
      const s = res.clients[c];
      const v = s?.ok && ws?.ok ? better(m, s.median[m], ws.median[m]) : undefined;
      return { c, v };
    });
    if (bars.some((b) => b.v !== undefined)) rows.push({ label: `${res.workload.id} (${METRICS[res.workload.kind].unit})`, bars });
  }
  const shown = series.filter((c) => rows.some((r) => r.bars.find((b) => b.c === c)?.v !== undefined));
  const barH = 9;
  const rowH = shown.length * barH + 8;
  const left = 190;
  const plotW = 520;
  const top = 56;
  const H = top + rows.length * rowH + 40;
  const W = left + plotW + 30;
  const lo = Math.log10(1 / 32);
  const hi = Math.log10(32);
  const x = (v) => left + ((Math.log10(Math.min(Math.max(v, 1 / 32), 32)) - lo) / (hi - lo)) * plotW;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica,Arial,sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="16" font-size="13" font-weight="bold">Relative to ws (= 1×), log scale — right is better</text>`);
  out.push(
    `<text x="${left}" y="30" fill="#555">${esc(`${doc.meta.date.slice(0, 10)}${doc.meta.quick ? ' (quick)' : ''}, median of ${doc.meta.rounds}, node ${doc.meta.node}, ${doc.meta.cpus} CPUs; latency and RSS inverted`)}</text>`,
  );
  let lx = left;
  for (const c of shown) {
    out.push(
      `<rect x="${lx}" y="38" width="10" height="10" fill="${COLORS[c] ?? '#000'}"/><text x="${lx + 14}" y="47">${esc(doc.clients[c])}</text>`,
    );
    lx += 30 + doc.clients[c].length * 6;
  }
  for (const t of [1 / 32, 1 / 8, 1 / 2, 1, 2, 8, 32]) {
    const tx = x(t);
    out.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${H - 30}" stroke="${t === 1 ? '#2b8a3e' : '#e9ecef'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
    );
    out.push(`<text x="${tx}" y="${H - 16}" text-anchor="middle" fill="#555">${t < 1 ? `1/${1 / t}` : t}×</text>`);
  }
  rows.forEach((r, i) => {
    const y0 = top + i * rowH;
    out.push(`<text x="${left - 6}" y="${y0 + rowH / 2 + 3}" text-anchor="end">${esc(r.label)}</text>`);
    let k = 0;
    for (const c of shown) {
      const b = r.bars.find((bb) => bb.c === c);
      const y = y0 + 4 + k * barH;
      k++;
      if (!b || b.v === undefined) continue;
      const x1 = x(1);
      const x2 = x(b.v);
      out.push(
        `<rect x="${Math.min(x1, x2)}" y="${y}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${barH - 1}" fill="${COLORS[c] ?? '#000'}"><title>${esc(`${doc.clients[c]}: ${b.v.toFixed(2)}× ws`)}</title></rect>`,
      );
      out.push(
        `<text x="${x2 + (b.v >= 1 ? 3 : -3)}" y="${y + barH - 2}" font-size="8" text-anchor="${b.v >= 1 ? 'start' : 'end'}" fill="#333">${b.v.toFixed(2)}</text>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

const METRICS_LOWER = new Set(['p50', 'p99', 'rssPerConnKiB']);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(renderChart(JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))));
}
