// Generates the two Teams app icons (192×192 colour, 32×32 white-on-transparent outline) as PNGs.
// Run once: `npx tsx scripts/make-icons.ts`; the output is committed under deploy/teams/.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** RGBA PNG from a pixel function. */
function png(size: number, px: (x: number, y: number) => [number, number, number, number]): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(px(x, y), 1 + x * 4);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
// A ring ("R1" lamp): inside radius band filled.
const ring = (size: number, x: number, y: number) => {
  const c = (size - 1) / 2;
  const d = Math.hypot(x - c, y - c) / c;
  return d > 0.55 && d < 0.85;
};
writeFileSync('deploy/teams/color.png', png(192, (x, y) => (ring(192, x, y) ? [255, 255, 255, 255] : [37, 99, 235, 255])));
writeFileSync('deploy/teams/outline.png', png(32, (x, y) => (ring(32, x, y) ? [255, 255, 255, 255] : [0, 0, 0, 0])));
console.log('wrote deploy/teams/color.png and outline.png');
