/** The site's stylesheet: system fonts, contrast of at least 4.5:1 for text, visible focus. */
export const SITE_CSS = `:root{--fg:#1b1f24;--muted:#4a5360;--bg:#fff;--panel:#f4f6f8;--line:#c9d1da;--link:#0a53b5;--warn-bg:#fff4d6;--warn:#6b4400;--bad:#a0161d}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus,button:focus,input:focus,summary:focus{outline:3px solid #1a73e8;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:1}
header{background:#17324d;color:#fff;padding:10px 20px}
header a{color:#fff;margin-right:16px;font-weight:600}
main{padding:16px 20px;max-width:1200px}
h1{font-size:1.5rem;margin:.4em 0}h2{font-size:1.15rem;margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;margin:.4em 0;width:100%}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--panel);padding:10px;overflow:auto;border:1px solid var(--line)}
pre .k{color:#8a1b6b;font-weight:600}pre .s{color:#0b5a1a}pre .n{color:#004f8a}pre .c{color:#4a5360;font-style:italic}
.muted{color:var(--muted)}th .muted{font-weight:400}
.warn{background:var(--warn-bg);color:var(--warn);border:1px solid #e0b44c;padding:6px 10px;margin:.4em 0}
.leak{color:var(--bad);font-weight:600}
.tag{display:inline-block;border:1px solid var(--line);border-radius:3px;padding:0 5px;margin-right:4px;font-size:.85em}
label{font-weight:600;margin-right:6px}
input[type=search]{font-size:1rem;padding:4px 8px;width:24em;max-width:100%;border:1px solid #6b7684}
svg.lineage{max-width:100%;height:auto;border:1px solid var(--line);background:#fff}
svg .box rect{fill:var(--panel);stroke:#6b7684}
svg text{font:12px ui-monospace,Menlo,monospace;fill:var(--fg)}
svg text.title{font-weight:700}
svg text.protected{fill:var(--bad);font-weight:700}
svg .edge{fill:none;stroke:#3d6fa8;stroke-width:1.4}
svg .edge.masked{stroke:#0b5a1a;stroke-dasharray:5 3}
svg .edge.leak{stroke:var(--bad);stroke-width:2.2}
td.bad,.bad{color:var(--bad)}
.snapshot{background:var(--panel);border:1px solid var(--line);padding:6px 10px;margin:.4em 0}
caption{text-align:left;font-weight:600;padding:4px 0}
`;

/** Client-side search of the index: filters job rows by the words typed (no network, no library). */
export const SEARCH_JS = `(function(){
var input=document.getElementById('search');if(!input)return;
var rows=[].slice.call(document.querySelectorAll('[data-search]'));
var status=document.getElementById('search-status');
function apply(){var words=input.value.toLowerCase().split(/\\s+/).filter(Boolean);var shown=0;
rows.forEach(function(r){var hay=r.getAttribute('data-search');var ok=words.every(function(w){return hay.indexOf(w)>=0});r.hidden=!ok;if(ok)shown++;});
status.textContent=shown+' of '+rows.length+' jobs';}
input.addEventListener('input',apply);apply();})();
`;

/**
 * How old the live snapshot is when the page is read: the reader's clock against the snapshot's
 * time in the page (no request; without JavaScript the page still shows the time it was taken).
 */
export const LIVE_JS = `(function(){
function ago(s){return s<120?s+' s':s<7200?Math.round(s/60)+' min':s<172800?Math.round(s/3600)+' h':Math.round(s/86400)+' d';}
[].slice.call(document.querySelectorAll('[data-taken]')).forEach(function(el){
var s=Math.max(0,Math.round((Date.now()-Date.parse(el.getAttribute('data-taken')))/1000));
el.textContent=' ('+ago(s)+' ago)';if(s>3600)el.className+=' bad';});})();
`;
