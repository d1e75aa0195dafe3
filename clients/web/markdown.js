// A small Markdown renderer that is safe by construction: every character of the input is
// HTML-escaped first, and only a fixed set of tags is produced from it afterwards. Links are
// emitted only for http(s) URLs, so a `javascript:` link in crawled text stays plain text, and
// `<script>` in a chunk shows as text. The page's Content-Security-Policy is a second wall.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/** Only absolute http(s) URLs become links. */
export function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

// Runs on already-escaped text: `&quot;` etc. cannot form tags or attributes.
function inline(escaped, options) {
  const codeSpans = [];
  let text = escaped.replace(/`([^`]+)`/g, (_match, code) => {
    codeSpans.push(`<code>${code}</code>`);
    return `\uE000${codeSpans.length - 1}\uE000`;
  });
  text = text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (match, label, escapedUrl) => {
    const url = safeUrl(escapedUrl.replace(/&amp;/g, '&'));
    if (!url) return label;
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer nofollow">${label}</a>`;
  });
  text = text
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
  if (options.citations)
    text = text.replace(
      /\[(\d{1,3})\]/g,
      (_match, n) => `<a class="citation" href="#source-${n}" data-n="${n}">[${n}]</a>`,
    );
  return text.replace(/\uE000(\d+)\uE000/g, (_match, index) => codeSpans[Number(index)]);
}

/** Markdown to HTML. options.citations turns [n] into citation links (data-n). */
export function renderMarkdown(markdown, options = {}) {
  const lines = String(markdown ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const html = [];
  let paragraph = [];
  let list;
  const flushParagraph = () => {
    if (paragraph.length > 0)
      html.push(`<p>${inline(escapeHtml(paragraph.join(' ')), options)}</p>`);
    paragraph = [];
  };
  const closeList = () => {
    if (list) html.push(`</${list}>`);
    list = undefined;
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (/^```/.test(line)) {
      flushParagraph();
      closeList();
      const code = [];
      for (index++; index < lines.length && !/^```/.test(lines[index]); index++)
        code.push(lines[index]);
      html.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    const quote = /^>\s?(.*)$/.exec(line);
    if (quote) {
      // Quotes of the sources (the extractive answer): one blockquote per quoted line.
      flushParagraph();
      closeList();
      html.push(`<blockquote>${inline(escapeHtml(quote[1]), options)}</blockquote>`);
    } else if (heading) {
      flushParagraph();
      closeList();
      const level = Math.min(6, heading[1].length + 2);
      html.push(`<h${level}>${inline(escapeHtml(heading[2]), options)}</h${level}>`);
    } else if (bullet || numbered) {
      flushParagraph();
      const kind = bullet ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        html.push(`<${kind}>`);
        list = kind;
      }
      html.push(`<li>${inline(escapeHtml((bullet ?? numbered)[1]), options)}</li>`);
    } else if (line.trim() === '') {
      flushParagraph();
      closeList();
    } else {
      closeList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  closeList();
  return html.join('\n');
}
