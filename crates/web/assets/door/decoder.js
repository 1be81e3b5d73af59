// A worker that finds a QR code in a camera frame, for browsers without
// BarcodeDetector: the bundled jsQR, off the page's thread.
importScripts('/vendor/jsQR.js');

onmessage = ({ data: { pixels, width, height } }) => {
  const found = jsQR(new Uint8ClampedArray(pixels), width, height, {
    inversionAttempts: 'attemptBoth',
  });
  postMessage(found ? found.data : null);
};
