/**
 * The five payload corpora of Autobahn's 12.x/13.x deflate cases, generated here (deterministic,
 * nothing downloaded or copied): Autobahn ships third-party files (Goethe's Faust from Project
 * Gutenberg, the Lena bitmap, a PDF paper, one of its own JSON reports and an HTML page). What
 * the cases need from them is their kind of content and its compressibility, and a size above
 * the largest message (128 KiB) so every message is an exact slice. Each corpus here has the
 * kind, transport (text or binary, as Autobahn sends it) and about the size of its original:
 *
 *   json    a fuzzing-server report index.json (ASCII, text messages)            ~190 KB
 *   lena    a 512x512 8-bit greyscale BMP of smooth shapes plus noise (binary)    263,222 B
 *   faust   German verse drama, UTF-8 (binary messages, as Autobahn sends it)     ~220 KB
 *   html    an HTML report page with tables (ASCII, text messages)               ~165 KB
 *   pdf     PDF objects: text content streams and incompressible binary streams  ~1 MB
 *
 * Text corpora are pure ASCII so a slice cut anywhere is valid UTF-8.
 */

/** xorshift32: the same bytes on every machine and run. */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return n === undefined ? x : x % n;
  };
}

function json() {
  const rnd = prng(1);
  const grades = ['OK', 'OK', 'OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED'];
  const agents = ['AutobahnPython/0.6.0', 'curlws/0.1.0', 'ws/8.23.0', 'undici/7.30', 'websockets/10.4', 'libwebsockets/4.1'];
  const groups = [
    [1, 2, 8],
    [2, 0, 11],
    [3, 0, 7],
    [4, 2, 5],
    [5, 0, 20],
    [6, 23, 20],
    [7, 13, 9],
    [9, 8, 6],
    [10, 1, 1],
  ];
  // Rows until the file is about as large as Autobahn's data1.json (~190 KB).
  const blocks = [];
  let size = 0;
  for (let a = 0; size < 190000; a = (a + 1) % agents.length) {
    const rows = [];
    for (const [g, subs, n] of groups) {
      for (let s = 1; s <= Math.max(subs, 1) && size < 190000; s++) {
        for (let c = 1; c <= n; c++) {
          const id = subs ? `${g}.${s}.${c}` : `${g}.${c}`;
          const behavior = grades[rnd(grades.length)];
          const row =
            `      ${JSON.stringify(id)}: {\n` +
            `         "behavior": ${JSON.stringify(behavior)},\n` +
            `         "behaviorClose": "${behavior === 'FAILED' ? 'FAILED' : 'OK'}",\n` +
            `         "duration": ${rnd(5) === 0 ? 1000 + rnd(9000) : rnd(200)},\n` +
            `         "remoteCloseCode": ${[1000, 1002, 1007, 1000][rnd(4)]},\n` +
            `         "reportfile": "${agents[a].toLowerCase().replace(/[^a-z0-9]+/g, '_')}_case_${id.replace(/\./g, '_')}.json"\n` +
            '      }';
          rows.push(row);
          size += row.length + 2;
        }
      }
    }
    blocks.push(`   ${JSON.stringify(`${agents[a]}#${blocks.length}`)}: {\n${rows.join(',\n')}\n   }`);
  }
  const out = `{\n${blocks.join(',\n')}\n`;
  return Buffer.from(`${out}}\n`, 'ascii');
}

function lena() {
  const rnd = prng(2);
  const w = 512;
  const h = 512;
  const header = Buffer.alloc(54 + 1024);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(header.length + w * h, 2);
  header.writeUInt32LE(header.length, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(w, 18);
  header.writeInt32LE(h, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(8, 28);
  header.writeUInt32LE(w * h, 34);
  header.writeUInt32LE(256, 46);
  for (let i = 0; i < 256; i++) header.writeUInt32LE(i * 0x010101, 54 + 4 * i);
  const px = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.hypot(x - 260, y - 230);
      const v =
        128 + 60 * Math.sin(x / 23) * Math.cos(y / 17) + 40 * Math.sin((x + y) / 41) + (r < 120 ? 30 * Math.cos(r / 9) : 0) + (rnd(17) - 8);
      px[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return Buffer.concat([header, px]);
}

const GERMAN = (
  'und der die das ich du er sie es wir ihr nicht ist bin sein mein dein ein eine mit auf zu ' +
  'von für über unter wie was wo wer nur noch schon doch auch so hier dort nun Herz Geist Welt ' +
  'Nacht Licht Himmel Erde Liebe Leben Tod Seele Wissen Kraft Blut Traum Zeit Stunde Augenblick ' +
  'Freund Teufel Herr Mädchen Bürger Schüler Straße Garten Kammer Zimmer Kirche Brunnen Wald ' +
  'schön groß klein alt jung süß bitter müde froh tief hoch weit heilig ewig dunkel hell ' +
  'gehen kommen sehen hören sagen wissen wollen können müssen lieben leben sterben träumen ' +
  'fühlen glauben streben suchen finden verweilen schwören fliehen grüßen küssen'
).split(' ');
const SPEAKERS = ['FAUST.', 'MEPHISTOPHELES.', 'GRETCHEN.', 'WAGNER.', 'MARTHE.', 'CHOR DER ENGEL.', 'SCHÜLER.'];

function faust() {
  const rnd = prng(3);
  const lines = ['Der Tragödie erster Teil (eine Nachdichtung aus Zufallswörtern)', ''];
  let size = 0;
  while (size < 222000) {
    const speaker = SPEAKERS[rnd(SPEAKERS.length)];
    lines.push(speaker);
    for (let l = 1 + rnd(6); l > 0; l--) {
      const words = [];
      for (let k = 4 + rnd(6); k > 0; k--) words.push(GERMAN[rnd(GERMAN.length)]);
      let line = words.join(' ');
      line = line[0].toUpperCase() + line.slice(1) + ['.', ',', '!', '?', ';', ''][rnd(6)];
      lines.push(`  ${line}`);
      size += Buffer.byteLength(line) + 4;
    }
    lines.push('');
    size += speaker.length + 4;
  }
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function html() {
  const rnd = prng(4);
  let out =
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>Test Reports</title>\n' +
    '<style>body { font-family: sans-serif; } td.ok { background: #0f0; } td.failed { background: #f00; }</style>\n' +
    '</head>\n<body>\n';
  let section = 0;
  while (out.length < 165000) {
    section++;
    out += `<h2 id="s${section}">Section ${section}</h2>\n<p>Cases of group ${section % 13}, ${rnd(500)} runs.</p>\n<table class="results">\n<tr><th>Case</th><th>Agent</th><th>Result</th><th>Time</th></tr>\n`;
    for (let r = 10 + rnd(30); r > 0; r--) {
      const ok = rnd(5) !== 0;
      out += `<tr><td><a href="case_${section}_${r}.html">${section}.${r}</a></td><td>agent-${rnd(7)}</td><td class="${ok ? 'ok' : 'failed'}">${ok ? 'Pass' : 'Fail'}</td><td>${rnd(2000)} ms</td></tr>\n`;
    }
    out += '</table>\n';
  }
  return Buffer.from(`${out}</body>\n</html>\n`, 'ascii');
}

function pdf() {
  const rnd = prng(5);
  const parts = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let size = 0;
  for (let obj = 1; size < 1040000; obj++) {
    let body;
    if (rnd(10) < 7) {
      // A compressed (FlateDecode) stream: incompressible to a second deflate.
      const n = 2000 + rnd(12000);
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = rnd(256);
      body = Buffer.concat([
        Buffer.from(`${obj} 0 obj\n<< /Length ${n} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
        data,
        Buffer.from('\nendstream\nendobj\n', 'latin1'),
      ]);
    } else {
      let text = 'BT\n/F1 10 Tf\n';
      for (let l = 20 + rnd(40); l > 0; l--)
        text += `72 ${700 - l * 12} Td (${GERMAN[rnd(GERMAN.length)].replace(/[^\x20-\x7e]/g, 'e')} theorem ${rnd(100)}) Tj\n`;
      text += 'ET\n';
      body = Buffer.from(`${obj} 0 obj\n<< /Length ${text.length} >>\nstream\n${text}endstream\nendobj\n`, 'latin1');
    }
    parts.push(body);
    size += body.length;
  }
  parts.push(Buffer.from('trailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1'));
  return Buffer.concat(parts);
}

/** Autobahn's WS_COMPRESSION_TESTDATA, in the order of its reports (12.1 … 12.5). */
export const CORPORA = [
  { key: 'json_data1', desc: 'Large JSON data file', binary: false, make: json },
  { key: 'lena512', desc: 'Lena Picture, Bitmap 512x512 bw', binary: true, make: lena },
  { key: 'gutenberg_faust', desc: "Human readable text, Goethe's Faust I (German)", binary: true, make: faust },
  { key: 'html_data1', desc: 'Large HTML file', binary: false, make: html },
  { key: 'ooms', desc: 'A larger PDF', binary: true, make: pdf },
];

const cache = new Map();
/** The corpus' bytes (generated on first use). */
export function corpus(key) {
  if (!cache.has(key)) cache.set(key, CORPORA.find((c) => c.key === key).make());
  return cache.get(key);
}
