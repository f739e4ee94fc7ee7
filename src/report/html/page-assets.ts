/** The page's inline style and script: readable on screen and on paper, no request anywhere. */

export const PAGE_STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:14px;margin:0 0 4px}
.meta,.summary{color:#555;margin:2px 0}
.picture{overflow:auto;border:1px solid #d6dae2;border-radius:8px;background:#fafbfc}.topology{display:block;max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}svg .title{font-weight:600;font-size:13px}svg .detail{fill:#555}
.node rect{fill:#fff;stroke:#8a94a6;stroke-width:1.2}.namespace>rect{fill:#f1f4f9}
.row rect{fill:#fff;stroke:#c3cad6}.row.bridge rect{fill:#e8f0ff;stroke:#6c8ed8}.row.group{cursor:pointer}.row.group rect{fill:#fff7e0;stroke:#d9a520;stroke-dasharray:4 3}
.row.uplink rect{stroke:#2e7d32;stroke-width:2}
.veth-link{fill:none;stroke:#6c8ed8;stroke-width:1.4}.uplink-link{fill:none;stroke:#2e7d32;stroke-width:2}
.published-link{fill:none;stroke:#7b1fa2;stroke-width:1.5;stroke-dasharray:5 3}.arrow path{fill:#7b1fa2}.row.published rect{fill:#f6eefa;stroke:#b58bc9}
.sev-error>rect{stroke:#c62828;stroke-width:2.5;fill:#ffebee}.sev-warning>rect{stroke:#ef6c00;stroke-width:2.2;fill:#fff3e0}.sev-info>rect{stroke:#1565c0;stroke-width:2}
.badge{fill:#1565c0}.badge.sev-error{fill:#c62828}.badge.sev-warning{fill:#ef6c00}svg .badge-text{fill:#fff;font-size:11px;font-weight:700}
.trace-path{fill:none;stroke:#00897b;stroke-width:4;stroke-opacity:.45;stroke-linejoin:round}.trace-drop circle{fill:#c62828}.trace-drop path{stroke:#fff;stroke-width:2.5}
.trace-caption{color:#c62828;font-weight:600;margin:4px 0 8px}.drop-mark{display:inline-block;width:18px;height:18px;line-height:18px;text-align:center;border-radius:50%;background:#c62828;color:#fff;font-size:12px}
.group-detail{display:none}.expanded .group-detail{display:inline}.when-expanded{display:none}.expanded .when-expanded{display:inline}.expanded .when-collapsed{display:none}
.cell rect{fill:#fff;stroke:#c3cad6}.cell.namespace rect{fill:#f1f4f9}.has-findings{cursor:pointer}
.findings{padding-left:20px}.finding{margin:0 0 14px;padding:8px 10px;border-left:4px solid #1565c0;background:#f7f9fc}
.finding.sev-error{border-color:#c62828}.finding.sev-warning{border-color:#ef6c00}.sev{text-transform:uppercase;font-size:11px;font-weight:700}
.evidence{margin:4px 0;padding-left:18px}code{font:12px ui-monospace,monospace;word-break:break-all}.where{color:#555}
.highlight>rect{stroke:#00897b!important;stroke-width:3.5!important}.finding.highlight{outline:3px solid #00897b}
.verdict.v-dropped,.v-drop strong{color:#c62828}.verdict.v-delivered{color:#2e7d32}
.ctx{border-collapse:collapse;margin:4px 0 12px;font-size:13px;max-width:100%}.ctx caption{text-align:left;font-weight:600;padding:2px 0 4px}
.ctx th,.ctx td{border:1px solid #d6dae2;padding:3px 6px;text-align:left;vertical-align:top}.ctx td{overflow-wrap:anywhere}.ctx th{background:#f1f4f9}
.ctx tr.cited td{background:#fff8e1}.ctx tr.highlight td{background:#e0f2f1}.to-finding{margin-left:4px;font-size:12px}
.ctx-status{color:#555;margin:4px 0}.ctx-status.not-collected{color:#8a5a00;font-style:italic}
@media print{.picture{overflow:visible;border:0}body{margin:0}.finding{break-inside:avoid}}
`;

export const PAGE_SCRIPT = `
(function(){
  function expand(svg,on){if(!svg)return;svg.classList.toggle('expanded',on);var h=on?svg.dataset.expandedHeight:svg.dataset.height;
    svg.setAttribute('height',h);var vb=svg.getAttribute('viewBox').split(' ');vb[3]=h;svg.setAttribute('viewBox',vb.join(' '));
    svg.querySelectorAll('[data-toggle]').forEach(function(g){g.setAttribute('aria-expanded',on?'true':'false');});}
  document.querySelectorAll('[data-toggle]').forEach(function(g){var svg=g.closest('svg');
    function flip(){expand(svg,!svg.classList.contains('expanded'));}
    g.addEventListener('click',flip);g.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();flip();}});});
  function mark(id){document.querySelectorAll('.highlight').forEach(function(e){e.classList.remove('highlight');});
    var el=id&&document.getElementById(id);if(!el)return;var hidden=el.closest('.group-detail');if(hidden)expand(hidden.closest('svg'),true);el.classList.add('highlight');}
  document.querySelectorAll('[data-findings]').forEach(function(g){var refs=g.dataset.findings.split(' ').filter(Boolean);if(!refs.length||g.dataset.toggle)return;
    g.classList.add('has-findings');g.addEventListener('click',function(e){if(e.target.closest('a'))return;mark(refs[0]);location.hash=refs[0];});});
  document.querySelectorAll('a[href^="#"]').forEach(function(a){a.addEventListener('click',function(){mark(decodeURIComponent(a.getAttribute('href').slice(1)));});});
  window.addEventListener('hashchange',function(){mark(decodeURIComponent(location.hash.slice(1)));});
  if(location.hash)mark(decodeURIComponent(location.hash.slice(1)));
})();
`;
