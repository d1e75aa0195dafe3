// PDF text extraction with unpdf (Mozilla PDF.js packaged for Node, no native parts).
import { extractText, getDocumentProxy } from 'unpdf';

export async function extractPdfText(bytes: Buffer): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  try {
    const { text } = await extractText(pdf, { mergePages: true });
    return text
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  } finally {
    await pdf.cleanup();
  }
}
