// CRC-32 (IEEE 802.3, the zlib/PNG/gzip polynomial 0xEDB88320, reflected): the checksum recorded for every
// checkpoint file and shard. It detects every burst error up to 32 bits and any truncation, which is what
// a manifest needs (it is not a defence against deliberate tampering). Check value: crc32("123456789") =
// 0xcbf43926.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continue a CRC-32 over more bytes (start with crc = 0). */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 of one buffer or of chunks written back to back. */
export function crc32(data: Uint8Array | readonly Uint8Array[]): number {
  if (data instanceof Uint8Array) return crc32Update(0, data);
  return data.reduce((c, chunk) => crc32Update(c, chunk), 0);
}

/** 8 lower-case hex digits. */
export function crc32Hex(data: Uint8Array | readonly Uint8Array[]): string {
  return crc32(data).toString(16).padStart(8, '0');
}
