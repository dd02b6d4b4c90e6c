/**
 * Hand-written PDF 1.7 files: a valid catalog, one page per `total_pages` with a little text, an exact
 * cross-reference table, and an uncompressed greyscale image (a "scanned seal" on the last page) whose
 * pseudo-random pixels bring the file to a realistic size and make every file's bytes different.
 * The bytes are a pure function of (seed, file): nothing is stored, a download regenerates them.
 */
import { seeded } from './random';
import type { FileDetails } from './details';

export interface PdfInput {
  seed: number;
  documentId: string;
  title: string;
  file: FileDetails;
  /** Microseconds since the epoch. */
  createdAt: number;
}

const IMAGE_WIDTH = 256;
/** Roughly what everything but the image takes, so that the file lands near its intended size. */
const FIXED_OVERHEAD = 1200;
const PER_PAGE_OVERHEAD = 420;

/** A PDF text string in UTF-16BE with a byte-order mark: the portable way to carry Japanese in /Info. */
function utf16Hex(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase();
  return `<${hex}>`;
}

function pdfDate(micros: number): string {
  return `D:${new Date(Math.floor(micros / 1000)).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** xorshift32 noise: several hundred MB/s, so a 400 KB file costs well under a millisecond. */
function noise(length: number, state: number): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = state || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, length);
}

export function renderPdf(input: PdfInput): Uint8Array<ArrayBuffer> {
  const { file } = input;
  const random = seeded(input.seed, 'pdf', file.id);
  const pages = file.totalPages;
  const imageHeight = Math.max(1, Math.ceil((file.approximateSize - FIXED_OVERHEAD - PER_PAGE_OVERHEAD * pages) / IMAGE_WIDTH));
  const pixels = noise(IMAGE_WIDTH * imageHeight, random.uint32());

  // Object numbers: 1 catalog, 2 page tree, 3 font, 4 info, 5 image, then a page and its contents per page.
  const pageObject = (p: number) => 6 + 2 * p;
  const objects: (string | Buffer)[][] = [
    [`<< /Type /Catalog /Pages 2 0 R >>`],
    [`<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, p) => `${pageObject(p)} 0 R`).join(' ')}] /Count ${pages} >>`],
    [`<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>`],
    [`<< /Title ${utf16Hex(input.title)} /Subject ${utf16Hex(file.name)} /Producer (cloudsign-sync simulator) /CreationDate (${pdfDate(input.createdAt)}) >>`],
    [
      `<< /Type /XObject /Subtype /Image /Width ${IMAGE_WIDTH} /Height ${imageHeight} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${pixels.length} >>\nstream\n`,
      pixels,
      `\nendstream`,
    ],
  ];
  for (let p = 0; p < pages; p++) {
    const last = p === pages - 1;
    const content = [
      `BT /F1 16 Tf 56 780 Td (CloudSign simulator) Tj ET`,
      `BT /F1 10 Tf 56 756 Td (Document ${input.documentId}) Tj 0 -14 Td (File ${file.id}) Tj 0 -14 Td (Page ${p + 1} of ${pages}) Tj ET`,
      last ? `q 64 0 0 64 470 60 cm /Im1 Do Q` : '',
    ].join('\n');
    objects.push(
      [
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >>${last ? ' /XObject << /Im1 5 0 R >>' : ''} >> /Contents ${pageObject(p) + 1} 0 R >>`,
      ],
      [`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`],
    );
  }

  // The second line's high bytes tell transfer tools the file is binary (PDF 32000-1, 7.5.2).
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const chunks: Buffer[] = [header];
  let offset = header.length;
  const offsets: number[] = [];
  const push = (part: string | Buffer) => {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'latin1') : part;
    chunks.push(bytes);
    offset += bytes.length;
  };
  objects.forEach((parts, i) => {
    offsets.push(offset);
    push(`${i + 1} 0 obj\n`);
    parts.forEach(push);
    push(`\nendobj\n`);
  });
  const xref = offset;
  const fileId = Array.from({ length: 4 }, () => random.uint32().toString(16).padStart(8, '0')).join('');
  push(
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n` +
      offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('') +
      `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R /ID [<${fileId}> <${fileId}>] >>\nstartxref\n${xref}\n%%EOF\n`,
  );
  const pdf = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    pdf.set(chunk, at);
    at += chunk.length;
  }
  return pdf;
}
