// The rear camera, read for QR codes a few times a second: with the
// browser's BarcodeDetector where it reads QR codes, with the bundled
// decoder in a worker elsewhere.

const EVERY_MS = 120;
/// Frames are scaled down to this width before the worker reads them.
const DECODE_WIDTH = 640;

async function barcodeDetector() {
  if (!('BarcodeDetector' in globalThis)) return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    return formats.includes('qr_code') ? new globalThis.BarcodeDetector({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

class WorkerDecoder {
  constructor() {
    this.worker = new Worker('/door/decoder.js');
    this.canvas = document.createElement('canvas');
    this.context = this.canvas.getContext('2d', { willReadFrequently: true });
  }

  detect(video) {
    const scale = Math.min(1, DECODE_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    this.canvas.width = width;
    this.canvas.height = height;
    this.context.drawImage(video, 0, 0, width, height);
    const pixels = this.context.getImageData(0, 0, width, height).data.buffer;
    return new Promise((resolve) => {
      this.worker.onmessage = ({ data }) => resolve(data ? [data] : []);
      this.worker.postMessage({ pixels, width, height }, [pixels]);
    });
  }

  stop() {
    this.worker.terminate();
  }
}

export class Camera {
  /// Reads codes from `video` and hands each to `onCode(text)`.
  constructor(video, onCode) {
    this.video = video;
    this.onCode = onCode;
    this.stream = null;
    this.timer = null;
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return;
    this.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
    this.video.srcObject = this.stream;
    await this.video.play();
    const detector = await barcodeDetector();
    this.decoder = detector
      ? { detect: async (video) => (await detector.detect(video)).map((code) => code.rawValue), stop() {} }
      : new WorkerDecoder();
    this.read();
  }

  async read() {
    if (!this.stream) return;
    if (this.video.readyState >= 2 && this.video.videoWidth > 0) {
      try {
        for (const code of await this.decoder.detect(this.video)) this.onCode(code);
      } catch {
        // A frame the decoder could not read: the next one will do.
      }
    }
    this.timer = setTimeout(() => this.read(), EVERY_MS);
  }

  stop() {
    clearTimeout(this.timer);
    this.decoder?.stop();
    this.decoder = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
