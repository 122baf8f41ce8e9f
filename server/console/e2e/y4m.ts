// A fake camera for the browser tests: Chromium's
// --use-file-for-fake-video-capture plays a YUV4MPEG2 file as the camera.
// This makes one from an image (a unit's real label PNG): composited on
// white, scaled to fit a 640x480 frame with a margin (nearest neighbour, so
// the QR modules stay sharp), grey (U and V at 128), a few identical frames.
import { PNG } from 'pngjs';

export function y4mFromPng(png: Buffer, width = 640, height = 480, frames = 5): Buffer {
  const img = PNG.sync.read(png);
  const scale = Math.min((width * 0.85) / img.width, (height * 0.85) / img.height);
  const w = Math.floor(img.width * scale);
  const h = Math.floor(img.height * scale);
  const x0 = Math.floor((width - w) / 2);
  const y0 = Math.floor((height - h) / 2);

  const luma = Buffer.alloc(width * height, 255);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.floor(y / scale));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(img.width - 1, Math.floor(x / scale));
      const i = (sy * img.width + sx) * 4;
      const a = img.data[i + 3]! / 255;
      const yv = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      luma[(y0 + y) * width + x0 + x] = Math.round(yv * a + 255 * (1 - a));
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), luma, chroma]);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]);
}
