// Sentence splitting for answers and passages: on ., ! or ? followed by a space and a capital,
// digit or bracket, and on line breaks, so Markdown lists and headings split too. Abbreviations
// such as "e.g." stay inside their sentence.

const ABBREVIATION = /\b(e\.g|i\.e|etc|vs|cf|approx|fig|no|dr|mr|ms|mrs)\.$/i;

export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const line of text.split(/\n+/)) {
    let rest = line.trim();
    while (rest) {
      const boundary = /[.!?](?=\s+[A-Z0-9[("'`*])/g;
      let cut = -1;
      for (let match = boundary.exec(rest); match; match = boundary.exec(rest)) {
        if (ABBREVIATION.test(rest.slice(0, match.index + 1))) continue;
        cut = match.index + 1;
        break;
      }
      const sentence = cut === -1 ? rest : rest.slice(0, cut);
      if (sentence.trim()) sentences.push(sentence.trim());
      rest = cut === -1 ? '' : rest.slice(cut).trim();
    }
  }
  return sentences;
}

/** Markdown decoration a quote does not need: headings, list bullets, emphasis, link targets. */
export function plainSentence(sentence: string): string {
  // Markdown escapes from the HTML conversion (pg\_dump) stand aside while emphasis is
  // removed, so an escaped underscore is never read as emphasis, then read as the character.
  const escaped: string[] = [];
  const hidden = sentence.replace(/\\([_*[\]\\`])/g, (_match, character: string) => {
    escaped.push(character);
    return `\uE001${escaped.length - 1}\uE001`;
  });
  return (
    hidden
      .replace(/^#{1,6}\s+/, '')
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/`+([^`]+)`+/g, '$1')
      // Emphasis only around words, so identifiers keep their underscores (work_mem).
      .replace(/(^|[^\w\\])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\2(?!\w)/g, '$1$3')
      .replace(/(\*\*|__)+$/g, '')
      .replace(/<[^>]{1,200}>/g, '')
      .replace(/\s+/g, ' ')
      .replace(/\uE001(\d+)\uE001/g, (_match, index: string) => escaped[Number(index)] ?? '')
      .trim()
  );
}
