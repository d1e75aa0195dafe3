// Reads zip archives for `import` without trusting them. adm-zip reads the whole archive into
// memory and inflates an entry completely before anyone can look at its size, so a 100 KB zip
// became a 100 MB document (606 MiB peak). Here the central directory is read first, from the
// end of the file, and every limit that can be checked there (entry count, declared size,
// compression ratio, the archive's running total) is checked before one byte is inflated; the
// data is then streamed through zlib in small slices and stopped as soon as it passes the size
// its directory declared, which was itself checked against the limits. A liar is caught on the
// first slice past its claim, so memory never holds more than one entry within the limits.
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInflateRaw } from 'node:zlib';
import { SecondBrainError } from '../../domain/errors.js';

export interface ImportLimits {
  /** Most entries an archive may list in its central directory. */
  readonly maxEntries: number;
  /** Most bytes of one document: a plain file's size, or a zip entry's uncompressed size. */
  readonly maxFileBytes: number;
  /** Most bytes all entries of one archive may inflate to together. */
  readonly maxTotalBytes: number;
  /** Highest uncompressed/compressed ratio of an entry larger than RATIO_CHECK_FLOOR_BYTES. */
  readonly maxCompressionRatio: number;
}

/** Small entries are not ratio-checked: a short repetitive JSON file can compress very well. */
export const RATIO_CHECK_FLOOR_BYTES = 1024 * 1024;
/** Slices zlib inflates at a time: the most an entry can overshoot its limit before it stops. */
const INFLATE_CHUNK_BYTES = 16 * 1024;
/** A central directory larger than this is not read (it would be millions of entries). */
const MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 * 1024;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

/** The limit an archive or entry broke, for the error's message and details. */
export function limitError(
  subject: string,
  limit: string,
  measured: string,
  details: Record<string, unknown>,
): SecondBrainError {
  return new SecondBrainError('validation', `${subject} refused: ${measured}, over the ${limit}`, {
    details: { reason: 'import-limit', ...details },
  });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]} (${bytes} bytes)`;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error('unexpected end of file');
  return buffer;
}

function notZip(reason: string): Error {
  return new Error(`not a readable zip archive: ${reason}`);
}

/** Finds the end-of-central-directory record (it ends with a comment of up to 64 KiB). */
async function centralDirectoryLocation(
  file: FileHandle,
  fileSize: number,
): Promise<{ entries: number; size: number; offset: number }> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  if (tailLength < 22) throw notZip('too short');
  const tailStart = fileSize - tailLength;
  const tail = await readAt(file, tailStart, tailLength);
  for (let index = tail.length - 22; index >= 0; index--) {
    if (tail.readUInt32LE(index) !== 0x06054b50) continue;
    let entries = tail.readUInt16LE(index + 10);
    let size = tail.readUInt32LE(index + 12);
    let offset = tail.readUInt32LE(index + 16);
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      // Zip64: a locator just before the record points at the 64-bit record.
      const locatorAt = tailStart + index - 20;
      if (locatorAt < 0) throw notZip('zip64 locator missing');
      const locator = await readAt(file, locatorAt, 20);
      if (locator.readUInt32LE(0) !== 0x07064b50) throw notZip('zip64 locator missing');
      const recordAt = Number(locator.readBigUInt64LE(8));
      const record = await readAt(file, recordAt, 56);
      if (record.readUInt32LE(0) !== 0x06064b50) throw notZip('zip64 record missing');
      entries = Number(record.readBigUInt64LE(32));
      size = Number(record.readBigUInt64LE(40));
      offset = Number(record.readBigUInt64LE(48));
    }
    if (offset + size > fileSize) throw notZip('central directory past the end of the file');
    return { entries, size, offset };
  }
  throw notZip('no end of central directory record');
}

function parseCentralDirectory(directory: Buffer, count: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== 0x02014b50)
      throw notZip('bad central directory entry');
    const flags = directory.readUInt16LE(at + 8);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    let compressedSize = directory.readUInt32LE(at + 20);
    let uncompressedSize = directory.readUInt32LE(at + 24);
    let localHeaderOffset = directory.readUInt32LE(at + 42);
    const name = directory.toString(
      flags & 0x800 ? 'utf8' : 'latin1',
      at + 46,
      at + 46 + nameLength,
    );
    // Zip64 extra field: the 64-bit values of the fields that hold 0xffffffff, in this order.
    const extraEnd = at + 46 + nameLength + extraLength;
    for (let extra = at + 46 + nameLength; extra + 4 <= extraEnd;) {
      const id = directory.readUInt16LE(extra);
      const length = directory.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        let value = extra + 4;
        const next = (): number => {
          const read = Number(directory.readBigUInt64LE(value));
          value += 8;
          return read;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      extra += 4 + length;
    }
    entries.push({
      name,
      flags,
      method: directory.readUInt16LE(at + 10),
      crc32: directory.readUInt32LE(at + 16),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    at = extraEnd + commentLength;
  }
  return entries;
}

/**
 * The entries of the archive's central directory. Refuses, with a named error, an archive that
 * lists more than `limits.maxEntries` entries, before reading the directory itself.
 */
export async function readZipDirectory(
  archive: string,
  label: string,
  limits: ImportLimits,
): Promise<ZipEntry[]> {
  const file = await open(archive, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const location = await centralDirectoryLocation(file, fileSize);
    if (location.entries > limits.maxEntries)
      throw limitError(
        label,
        `limit of ${limits.maxEntries} entries (IMPORT_MAX_ENTRIES)`,
        `its central directory lists ${location.entries} entries`,
        { limit: 'entries', max: limits.maxEntries, measured: location.entries },
      );
    if (location.size > MAX_CENTRAL_DIRECTORY_BYTES)
      throw notZip(`central directory of ${location.size} bytes`);
    const directory = await readAt(file, location.offset, location.size);
    return parseCentralDirectory(directory, location.entries);
  } finally {
    await file.close();
  }
}

/**
 * Checks what the central directory says about one entry against the limits, given how many
 * bytes the archive's earlier entries already inflated to. Throws the named error, or returns.
 */
export function checkDeclaredEntry(
  subject: string,
  entry: ZipEntry,
  limits: ImportLimits,
  inflatedSoFar: number,
): void {
  const size = entry.uncompressedSize;
  if (size > limits.maxFileBytes)
    throw limitError(
      subject,
      `per-file limit of ${formatBytes(limits.maxFileBytes)} (IMPORT_MAX_FILE_BYTES)`,
      `it declares ${formatBytes(size)} uncompressed`,
      { limit: 'fileBytes', max: limits.maxFileBytes, measured: size },
    );
  const ratio = size / Math.max(1, entry.compressedSize);
  if (size > RATIO_CHECK_FLOOR_BYTES && ratio > limits.maxCompressionRatio)
    throw limitError(
      subject,
      `compression ratio limit of ${limits.maxCompressionRatio} (IMPORT_MAX_COMPRESSION_RATIO)`,
      `${formatBytes(entry.compressedSize)} inflate to ${formatBytes(size)}, a ratio of ${Math.round(ratio)}`,
      { limit: 'compressionRatio', max: limits.maxCompressionRatio, measured: Math.round(ratio) },
    );
  if (inflatedSoFar + size > limits.maxTotalBytes)
    throw limitError(
      subject,
      `archive total limit of ${formatBytes(limits.maxTotalBytes)} (IMPORT_MAX_TOTAL_BYTES)`,
      `it would take the archive to ${formatBytes(inflatedSoFar + size)} uncompressed`,
      { limit: 'totalBytes', max: limits.maxTotalBytes, measured: inflatedSoFar + size },
    );
  if (entry.flags & 0x1) throw new SecondBrainError('validation', `${subject}: encrypted entry`);
  if (entry.method !== 0 && entry.method !== 8)
    throw new SecondBrainError(
      'validation',
      `${subject}: unsupported compression method ${entry.method}`,
    );
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

function updateCrc(crc: number, bytes: Buffer): number {
  let value = crc ^ 0xffffffff;
  for (let index = 0; index < bytes.length; index++)
    value = CRC_TABLE[(value ^ bytes[index]!) & 0xff]! ^ (value >>> 8);
  return (value ^ 0xffffffff) >>> 0;
}

/**
 * Inflates one entry whose declared size passed `checkDeclaredEntry`, in slices of 16 KiB, and
 * stops at the first slice that takes it past that declared size: a header that lies about its
 * size (the classic zip bomb) costs at most one slice beyond the limit, never the bomb.
 * `onInflated` learns every slice's size, so callers and tests can count what was inflated.
 */
export async function inflateEntry(
  archive: string,
  subject: string,
  entry: ZipEntry,
  onInflated: (bytes: number) => void = () => {},
): Promise<Buffer> {
  const file = await open(archive, 'r');
  let dataStart: number;
  try {
    const header = await readAt(file, entry.localHeaderOffset, 30);
    if (header.readUInt32LE(0) !== 0x04034b50) throw notZip(`bad local header of ${entry.name}`);
    dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await file.close();
  }
  const declared = entry.uncompressedSize;
  if (entry.compressedSize === 0) {
    if (declared === 0) return Buffer.alloc(0);
    throw notZip(`${entry.name} has no data`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let crc = 0;
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(archive, {
      start: dataStart,
      end: dataStart + entry.compressedSize - 1,
      highWaterMark: INFLATE_CHUNK_BYTES,
    });
    const inflater =
      entry.method === 8 ? createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }) : undefined;
    const output = inflater ?? input;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      input.destroy();
      inflater?.destroy();
      reject(error);
    };
    output.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      onInflated(chunk.length);
      if (total > declared) {
        fail(
          limitError(
            subject,
            `${formatBytes(declared)} its central directory declares`,
            `it inflated past ${formatBytes(total)} and was stopped there`,
            { limit: 'declaredSize', max: declared, measured: total },
          ),
        );
        return;
      }
      crc = updateCrc(crc, chunk);
      chunks.push(chunk);
    });
    output.once('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    output.once('error', (error: Error) => fail(notZip(`${entry.name}: ${error.message}`)));
    input.once('error', (error) => fail(error));
    if (inflater) input.pipe(inflater);
  });
  if (total !== declared)
    throw notZip(`${entry.name} inflates to ${total} bytes, its directory says ${declared}`);
  if (crc !== entry.crc32) throw notZip(`${entry.name} fails its CRC-32 check`);
  return Buffer.concat(chunks, total);
}
