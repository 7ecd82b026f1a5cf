/**
 * The run as one self-contained HTML page: every image inlined as a data:
 * URI, no scripts, no external assets (a Content-Security-Policy says so to
 * the browser too), and every piece of user text escaped.
 */
import { imageSignature } from '../images/sniff.js';
import { bestRowIndices } from './comparisonTable.js';
import { hyperparameterEntries } from './hyperparameterSummary.js';
import { renderRewardCurveSync } from './rewardCurve.js';
import { selectGridSamples } from './selectSamples.js';
import { formatScore, formatUsd, theme } from './theme.js';
import { ReportRenderError, type RunReport } from './types.js';

const BROWSER_TYPES: Record<string, string> = {
  PNG: 'image/png',
  JPEG: 'image/jpeg',
  GIF: 'image/gif',
  WebP: 'image/webp',
  AVIF: 'image/avif',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A data: URI for image bytes a browser can show; refuses anything else rather than embed junk. */
export function imageDataUri(bytes: Uint8Array, what: string): string {
  const format = imageSignature(bytes);
  const type = format ? BROWSER_TYPES[format] : undefined;
  if (!type) {
    throw new ReportRenderError(`Cannot embed ${what} in the HTML report: it is not a PNG, JPEG, WebP, GIF or AVIF image.`);
  }
  return `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:${theme.panel};color:${theme.text};font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:32px 24px 48px}
.eyebrow{color:${theme.accent};font-weight:700;font-size:12px;letter-spacing:.08em;text-transform:uppercase;margin:0}
h1{font-size:30px;line-height:1.2;margin:6px 0 4px}
h2{font-size:18px;margin:0 0 12px}
.lead{font-size:17px;margin:0}
.meta{color:${theme.muted};margin:4px 0 0}
.card{background:#fff;border:1px solid ${theme.panelBorder};border-radius:10px;padding:18px 20px;margin-top:24px}
.row{display:grid;grid-template-columns:minmax(220px,320px) 1fr;gap:24px;align-items:start}
.row .card{margin-top:0}
.target img{width:100%;height:auto;border:1px solid ${theme.panelBorder};display:block}
.muted{color:${theme.muted}}
.curve img{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid ${theme.gridLine};vertical-align:top}
th{color:${theme.muted};font-size:13px;background:${theme.panel}}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.best td{background:${theme.highlight};font-weight:700}
tr.best td:first-child{box-shadow:inset 4px 0 ${theme.highlightBorder}}
.badge{display:inline-block;background:${theme.highlightBorder};color:#fff;border-radius:9px;font-size:11px;padding:0 7px;margin-left:6px;vertical-align:1px}
.bar{background:${theme.panel};height:12px;border-radius:3px;min-width:120px}
.bar span{display:block;height:12px;border-radius:3px;background:#a5b4fc}
tr.learned .bar span{background:${theme.accent}}
tr.learned td:first-child{font-weight:700}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:16px}
figure{margin:0}
figure img{width:100%;aspect-ratio:1;object-fit:contain;background:#fff;border:1px solid ${theme.panelBorder};display:block}
figure.best img{outline:4px solid ${theme.highlightBorder};outline-offset:-2px}
figcaption{font-size:14px;margin-top:6px;overflow-wrap:anywhere}
figcaption .score{color:${theme.muted};font-size:13px}
.changed{color:#b45309}
details{margin-top:12px}
footer{color:${theme.muted};font-size:13px;margin-top:32px}
@media (max-width:760px){.row{grid-template-columns:1fr}}
`;

function promptSpaceTable(report: RunReport): string {
  const learned = new Set(report.learnedPrompt.toLowerCase().split(/\s+/));
  const entries = report.promptSpace.words.map((word, i) => ({ word, p: report.promptSpace.probabilities[i] ?? Number.NaN }));
  const maxP = Math.max(...entries.map((e) => (Number.isFinite(e.p) ? e.p : 0)), 1e-9);
  const rows = entries
    .sort((a, b) => (b.p || 0) - (a.p || 0))
    .map(({ word, p }) => {
      const width = Number.isFinite(p) ? ((p / maxP) * 100).toFixed(1) : '0';
      return `<tr${learned.has(word.toLowerCase()) ? ' class="learned"' : ''}><td>${escapeHtml(word)}</td><td class="num">${Number.isFinite(p) ? p.toFixed(4) : '–'}</td><td style="width:50%"><div class="bar"><span style="width:${width}%"></span></div></td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>word</th><th class="num">probability</th><th></th></tr></thead><tbody>
${rows}
</tbody></table>
<p class="muted">Dark bars: words of the learned prompt.</p>`;
}

function iterationTable(report: RunReport): string {
  const rows = report.iterations
    .map(
      (s) =>
        `<tr><td class="num">${s.iteration + 1}</td><td class="num">${formatScore(s.meanReturn)}</td><td class="num">${formatScore(s.meanFinalReward)}</td><td>${escapeHtml(s.greedyPrompt)}</td><td class="num">${s.greedyReward === null ? '–' : formatScore(s.greedyReward)}</td></tr>`,
    )
    .join('\n');
  return `<details><summary>Per-iteration numbers</summary><table><thead><tr><th class="num">iteration</th><th class="num">mean return</th><th class="num">mean final reward</th><th>greedy prompt</th><th class="num">greedy reward</th></tr></thead><tbody>
${rows}
</tbody></table></details>`;
}

function sampleGrid(report: RunReport): string {
  const samples = selectGridSamples(report.samples, 12);
  if (samples.length === 0) return '<p class="muted">No generated images were kept.</p>';
  const best = samples.reduce((b, s, i) => (Number.isFinite(s.reward) && s.reward > (samples[b]?.reward ?? -Infinity) ? i : b), 0);
  const figures = samples.map((sample, i) => {
    const uri = imageDataUri(sample.bytes, `the sample image for "${sample.prompt.slice(0, 60)}"`);
    return `<figure${i === best ? ' class="best"' : ''}><img src="${uri}" alt="${escapeHtml(sample.prompt)}"><figcaption>${escapeHtml(sample.prompt)}<br><span class="score">reward <b>${formatScore(sample.reward)}</b> · similarity ${formatScore(sample.similarity)} · iteration ${sample.iteration + 1}</span></figcaption></figure>`;
  });
  return `<div class="grid">\n${figures.join('\n')}\n</div>`;
}

function comparisonTable(report: RunReport): string {
  if (report.comparison.length === 0) return '<p class="muted">No methods were compared.</p>';
  const best = bestRowIndices(report.comparison);
  const rows = report.comparison
    .map((row, i) => {
      const badge = best.has(i) ? '<span class="badge">BEST</span>' : '';
      return `<tr${best.has(i) ? ' class="best"' : ''}><td>${escapeHtml(row.method)}${badge}</td><td>“${escapeHtml(row.prompt)}”</td><td class="num">${formatScore(row.mean)} ± ${formatScore(row.sd)}</td><td class="num">${Number.isFinite(row.generations) ? row.generations.toLocaleString('en-US') : '–'}</td><td class="num">${formatUsd(row.costUsd)}</td><td>${escapeHtml(row.note ?? '')}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>method</th><th>prompt</th><th class="num">similarity (mean ± sd)</th><th class="num">images</th><th class="num">cost</th><th>note</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function hyperparameterTable(report: RunReport): string {
  const rows = hyperparameterEntries(report.preset, report.hyperparameters)
    .map(
      (entry) =>
        `<tr><td>${escapeHtml(entry.label)}</td><td><code>${escapeHtml(entry.key)}</code></td><td class="num${entry.presetValue ? ' changed' : ''}">${escapeHtml(entry.value)}</td><td class="muted">${entry.presetValue ? `preset: ${escapeHtml(entry.presetValue)}` : ''}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>hyperparameter</th><th>name</th><th class="num">value</th><th></th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** The report as one HTML document (a string); throws a ReportRenderError if an image cannot be embedded. */
export function renderReportHtml(report: RunReport): string {
  const learned = report.comparison.find((row) => row.prompt.trim() === report.learnedPrompt.trim());
  const target = imageDataUri(report.targetImage, 'the target image');
  const curve = imageDataUri(renderRewardCurveSync(report.iterations, { width: 880, height: 420, title: null }), 'the reward curve');
  const meta = [
    escapeHtml(report.provider),
    `${escapeHtml(report.preset)} preset`,
    `${report.iterations.length} iteration${report.iterations.length === 1 ? '' : 's'}${report.finishReason ? ` (${escapeHtml(report.finishReason)})` : ''}`,
    report.finishedAt ? `<time datetime="${escapeHtml(report.finishedAt)}">${escapeHtml(report.finishedAt)}</time>` : null,
  ].filter(Boolean);
  const h = report.hyperparameters;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>ImagePrompt report: ${escapeHtml(report.learnedPrompt)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<p class="eyebrow">ImagePrompt · run report</p>
<h1>Learned prompt: “${escapeHtml(report.learnedPrompt)}”</h1>
${learned ? `<p class="lead">Similarity ${formatScore(learned.mean)} ± ${formatScore(learned.sd)} on ${h.evaluationImages} evaluation images.</p>` : ''}
<p class="meta">${meta.join(' · ')}</p>
</header>
<div class="row" style="margin-top:24px">
<section class="card target"><h2>Target image</h2><img src="${target}" alt="The target image"></section>
<section class="card"><h2>Prompt space (${report.promptSpace.words.length} words)</h2>
<p class="muted">C=${h.captions} captions → P=${h.words} words, each with the CLIP probability that it describes the target.</p>
${promptSpaceTable(report)}
</section>
</div>
<section class="card curve"><h2>Reward per iteration</h2><img src="${curve}" alt="Mean return, mean final reward and greedy-prompt reward per iteration">
${iterationTable(report)}
</section>
<section class="card"><h2>Best generated images</h2><p class="muted">The best image of each distinct prompt, scored by reward.</p>
${sampleGrid(report)}
</section>
<section class="card"><h2>Comparison on ${h.evaluationImages} evaluation images per prompt</h2>
${comparisonTable(report)}
</section>
<section class="card"><h2>Hyperparameters (${escapeHtml(report.preset)} preset)</h2>
${hyperparameterTable(report)}
</section>
<footer>Made by ImagePrompt. Self-contained: this file loads nothing from the network.</footer>
</main>
</body>
</html>
`;
}
