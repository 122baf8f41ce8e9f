// Reading a unit's QR label in the browser: what a decoded text names (an
// identification link {public-url}/id/{code}, a GS1 Digital Link
// /01/{gtin}/21/{serial}, a bare code, or a serial typed or pasted), the
// decoding of camera frames and image files with jsQR (its own chunk, loaded
// on the first scan), and the camera's errors as the page explains them.

export type ScanTarget =
  | { kind: 'id'; code: string }
  | { kind: 'gs1'; gtin: string; serial: string }
  | { kind: 'serial'; serial: string }
  | { kind: 'none' };

/* Crockford base32 without I, L, O, U, 18 to 39 characters (README, "QR identity"). */
const CODE = /^[0-9A-HJKMNP-TV-Z]{18,39}$/;
/* GTIN-8/12/13/14, then optional key qualifiers (22 CPV, 10 lot) before 21 (serial). */
const GS1_PATH = /\/01\/(\d{8}|\d{12,14})(?:\/(?:22|10)\/[^/]+)*\/21\/([^/?#]+)/;
const ID_PATH = /\/id\/([0-9A-Za-z]+)\/?$/;

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function pathOf(text: string): string | null {
  if (text.startsWith('/')) return text.split(/[?#]/)[0] ?? '';
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    return new URL(text).pathname;
  } catch {
    return null;
  }
}

/* What a scanned or pasted text names. Only the path of a link counts: the
 * label's host is the server's public address, which may not be this one. */
export function parseScanned(raw: string): ScanTarget {
  const text = raw.trim();
  if (!text) return { kind: 'none' };
  const path = pathOf(text);
  if (path !== null) {
    const gs1 = GS1_PATH.exec(path);
    if (gs1) return { kind: 'gs1', gtin: gs1[1]!.padStart(14, '0'), serial: decodeSegment(gs1[2]!) };
    const id = ID_PATH.exec(path);
    if (id && CODE.test(id[1]!.toUpperCase())) return { kind: 'id', code: id[1]!.toUpperCase() };
    return { kind: 'none' };
  }
  if (CODE.test(text.toUpperCase()) && /\d/.test(text) && /[A-Za-z]/.test(text) && text.length >= 18)
    return { kind: 'id', code: text.toUpperCase() };
  if (/\s/.test(text) || text.length > 63) return { kind: 'none' };
  return { kind: 'serial', serial: text };
}

type JsQr = typeof import('jsqr').default;
let jsqr: Promise<JsQr> | null = null;

/* jsQR, loaded once, on first use. */
export function loadDecoder(): Promise<JsQr> {
  jsqr ??= import('jsqr').then((m) => m.default);
  return jsqr;
}

/* The text of the QR code in an image, or null. */
export async function decodeImageData(img: ImageData): Promise<string | null> {
  const decode = await loadDecoder();
  const hit = decode(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
  return hit?.data || null;
}

/* The size to draw a w x h picture at, at most `max` pixels on its long side. */
export function fitWithin(w: number, h: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(w, h, 1));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/* Draws a picture (a video frame, an image) onto the canvas, scaled down to
 * `max`, and reads its pixels back. */
export function grab(
  canvas: HTMLCanvasElement,
  source: CanvasImageSource,
  w: number,
  h: number,
  max: number,
): ImageData | null {
  const size = fitWithin(w, h, max);
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(source, 0, 0, size.width, size.height);
  return ctx.getImageData(0, 0, size.width, size.height);
}

/* An image file (a photo of a label): tried at two sizes, since a phone
 * photo is large and a screenshot small. */
export async function decodeImageFile(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    const canvas = document.createElement('canvas');
    for (const max of [1600, 800]) {
      const img = grab(canvas, bitmap, bitmap.width, bitmap.height, max);
      const text = img && (await decodeImageData(img));
      if (text) return text;
    }
    return null;
  } finally {
    bitmap.close();
  }
}

export type CameraProblem = 'denied' | 'none' | 'busy' | 'unsupported' | 'failed';

/* What went wrong opening the camera, in the words the page uses. */
export function cameraProblem(e: unknown): CameraProblem {
  const name = e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'none';
    case 'NotReadableError':
    case 'TrackStartError':
      return 'busy';
    case 'TypeError':
      return 'unsupported';
    default:
      return 'failed';
  }
}

/* The back camera where there is one (phones), any camera otherwise. */
export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no mediaDevices'), { name: 'TypeError' });
  return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
}

export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
