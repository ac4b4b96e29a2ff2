// Photos are made smaller on the phone, before they are stored or sent: at most 1600 px
// on the longer side, as JPEG. Drawing onto a canvas also leaves the camera's metadata
// (location included) behind.

export const MAX_SIDE = 1600;
const QUALITY = 0.85;

export async function preparePhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error("This file is not a photo this phone can read. Take the photo again.");
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const blob = await draw(bitmap, width, height);
  bitmap.close();
  const sha256 = hex(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  return { blob, sha256, width, height };
}

async function draw(bitmap, width, height) {
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}
