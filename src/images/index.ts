// Questions with pictures: image references and limits (admission), download and storage (intake),
// OCR and the optional vision model (the worker role), and what was read (prompt and reply).
export { imageRefSchema, imageSourceSchema, imageRefusalSchema, IMAGE_BLOB_TTL_S } from './image-ref.js';
export type { ImageRef, ImageRefInput, ImageInput, ImageSource, ImageRefusal } from './image-ref.js';
export { IMAGE_TYPES, sniffImageType, describeNonImage, isReadableMime, formatBytes } from './image-type.js';
export type { ImageType } from './image-type.js';
export { admitImages, parkImageBlobs, refuseBytes, refuseDeclared, refusalNotice, imageLabel, imageBlobKey, READABLE_TYPES_TEXT } from './admit-images.js';
export type { ImageLimits, AdmittedImages } from './admit-images.js';
export { fetchCapped, ImageFetchError } from './fetch-capped.js';
export type { FetchCappedOptions } from './fetch-capped.js';
export { collectImages } from './collect-images.js';
export { listImages, listImagesOfJobs, storeImage, storeRefusedImage, readImageData, recordImageRead, discardPendingImages, removeStaleImageData } from './image-store.js';
export type { ImageRow, ImageStatus, ImageReadResult, StaleImageCleanup } from './image-store.js';
export { discardQuestionImages } from './discard-images.js';
export type { DiscardImagesDeps } from './discard-images.js';
export { IMAGE_ONLY_QUESTION, toImageReading } from './image-text.js';
export type { ImageReading } from './image-text.js';
export { OcrReader, OcrLanguageError, assertOcrLangs } from './ocr/ocr-reader.js';
export type { OcrReaderOptions, OcrResult } from './ocr/ocr-reader.js';
export { preprocessImage, ImageDecodeError } from './ocr/preprocess-image.js';
export type { PreprocessOptions, PreprocessedImage } from './ocr/preprocess-image.js';
export { VisionClient, VISION_PROMPT } from './vision-client.js';
export type { VisionClientOptions } from './vision-client.js';
export { imagesMarkdown, shownReadText, READ_TEXT_SHOWN_MAX_CHARS } from './images-markdown.js';
