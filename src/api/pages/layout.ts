// The frame every page shares: document head (the stylesheet, the page's script as a module and
// the modules it imports, preloaded so they are not fetched one after another),
// the site header with its navigation, and a main landmark for the page's content.
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';

export interface Layout {
  title: string;
  /** The src/web module this page runs (deferred: the content is there before it runs). */
  script?: string;
  /** Stylesheets of src/web beyond app.css (the console's own). */
  styles?: string[];
  /** Data the page's script reads (data-* attributes on <body>). */
  data?: Record<string, string>;
  main: Html;
}

export function page(assets: Assets, layout: Layout): Html {
  const data = Object.entries(layout.data ?? {}).map(([name, value]) => html` data-${name}="${value}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${layout.title}</title>
<link rel="stylesheet" href="${assets.url('app.css')}">
${(layout.styles ?? []).map((name) => html`<link rel="stylesheet" href="${assets.url(name)}">`)}
<link rel="icon" href="data:,">
${layout.script && html`<script type="module" src="${assets.url(layout.script)}"></script>
${assets.importsOf(layout.script).map((url) => html`<link rel="modulepreload" href="${url}">`)}`}
</head>
<body${data}>
<header class="site"><nav aria-label="Site"><a href="/" class="brand">Treasure Hunt</a></nav></header>
<main id="main">
${layout.main}
</main>
</body>
</html>
`;
}
