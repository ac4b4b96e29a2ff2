// Scanning a letter's QR code with the browser's own BarcodeDetector, where it has one.
// A letter's QR code holds <base URL>/l/<token>; a typed reference always works too.

export function canScan() {
  return "BarcodeDetector" in globalThis && Boolean(navigator.mediaDevices?.getUserMedia);
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Read QR codes from the camera into `video` until one is found or `signal` aborts.
export async function scanQrCode(video, signal) {
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
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
