// Appended to a copy of a judgegrad report by report_browser.sh and run by headless Chromium after
// the page has loaded: what the browser drew, written into the page as JSON for --dump-dom.
window.addEventListener('load', () => {
  const out = {title: document.title, errors: window.__errors || [], resources: [], charts: []};
  for (const r of performance.getEntriesByType('resource')) out.resources.push(r.name);
  for (const svg of document.querySelectorAll('svg.chart')) {
    const chart = {
      id: svg.id,
      declared: Number(svg.getAttribute('data-series')),
      title: (svg.querySelector('title') || {}).textContent || '',
      desc: (svg.querySelector('desc') || {}).textContent || '',
      labelled: (svg.getAttribute('aria-labelledby') || '').split(' ').every((id) => document.getElementById(id)),
      axis_labels: Array.from(svg.querySelectorAll('.axis-label')).map((t) => t.textContent),
      legend: Array.from(svg.querySelectorAll('.legend text')).map((t) => t.textContent),
      has_data_table: !!(svg.closest('figure') && svg.closest('figure').querySelector('details table tr td')),
      width: svg.getBoundingClientRect().width,
      series: [],
    };
    for (const g of svg.querySelectorAll('g.series')) {
      let drawn = 0;
      for (const m of g.querySelectorAll('.mark')) {
        const b = m.getBBox();
        if (b.width > 0 || b.height > 0) drawn += 1;
      }
      chart.series.push({name: g.getAttribute('data-name'), marks: g.querySelectorAll('.mark').length, drawn});
    }
    out.charts.push(chart);
  }
  const pre = document.createElement('pre');
  pre.id = 'judgegrad-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
