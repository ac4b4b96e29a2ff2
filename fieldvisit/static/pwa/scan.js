// Scanning a letter's QR code: the browser's own BarcodeDetector where it has one, else
// ZXing in WebAssembly (the barcode-detector package), fetched only when first needed so it
// stays out of the app shell. A letter's QR code holds <base URL>/l/<token>; a typed
// reference always works too.

const SCANNER = "/static/vendor/barcode-detector/ponyfill.js";
const SCANNER_WASM = "/static/vendor/barcode-detector/zxing_reader.wasm";

export function canScan() {
  return Boolean(navigator.mediaDevices?.getUserMedia);
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function nativeDetector() {
  if (!("BarcodeDetector" in globalThis)) return null;
  const formats = await globalThis.BarcodeDetector.getSupportedFormats?.().catch(() => []);
  return formats?.includes("qr_code")
    ? new globalThis.BarcodeDetector({ formats: ["qr_code"] })
    : null;
}

let loading = null;
function loadScanner() {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = SCANNER;
    script.onload = () => {
      const api = globalThis.BarcodeDetectionAPI;
      api.prepareZXingModule({
        overrides: {
          locateFile: (path, prefix) => (path.endsWith(".wasm") ? SCANNER_WASM : prefix + path),
        },
      });
      resolve(api);
    };
    script.onerror = () => {
      loading = null;
      reject(new Error("the scanner could not be downloaded"));
    };
    document.head.append(script);
  });
  return loading;
}

// A detector of QR codes: the browser's own, or the WebAssembly one.
export async function qrDetector() {
  const native = await nativeDetector();
  if (native) return native;
  const api = await loadScanner();
  return new api.BarcodeDetector({ formats: ["qr_code"] });
}

// Read QR codes from the camera into `video` until one is found or `signal` aborts.
export async function scanQrCode(video, signal) {
  const detector = await qrDetector();
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment" },
    audio: false,
  });
  try {
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    while (!signal.aborted) {
      const codes = await detector.detect(video);
      if (codes.length) return codes[0].rawValue;
      await wait(250);
    }
    return null;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    video.hidden = true;
  }
}

// Find which of the case's letters a scanned value (a QR link or a reference) names.
export function matchLetter(value, letters) {
  const text = String(value ?? "").trim();
  const token = /\/l\/([A-Za-z0-9_-]+)\/?$/.exec(text)?.[1];
  return (
    letters.find((letter) => (token && letter.qr_token === token) || letter.reference === text) ??
    null
  );
}
