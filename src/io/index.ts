// tessera/io: files (Node only): atomic writes, safetensors, IDX, dataset loaders.
export { writeFileAtomic, readFileChecked, isFile, type FileData } from './atomicWrite.js';
export { ensureDirectory, listDirectory, removeFile } from './files.js';
export { readJsonFile, readHfConfig } from './jsonFile.js';
export { HfConfig } from './hfConfig.js';
export {
  parseSafetensors, readSafetensors, readSafetensorsHeader, serializeSafetensors, serializeSafetensorsChunks, writeSafetensors,
  MAX_HEADER_BYTES, SAFETENSORS_ITEMSIZE,
  type SafetensorsFile, type SafetensorsDType, type SafetensorsEntry, type SafetensorsHeader, type ReadOptions, type WriteOptions,
} from './safetensors.js';
export { f32BitsToF16Bits, f32BitsToBf16Bits, decodeF16, decodeBf16, encodeHalf } from './halfFloat.js';
export { parseIdx, readIdx, type IdxArrayFile, type IdxArray, type IdxDType, type IdxOptions } from './idx.js';
export {
  loadFashionMnist, loadMnistDigits, loadIdxDataset, FASHION_MNIST_DIR,
  type IdxDatasetOptions, type ImageDataset, type DatasetSplits,
} from './datasets.js';
