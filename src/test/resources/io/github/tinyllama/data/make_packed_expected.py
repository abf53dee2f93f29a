# Writes lit_gpt_expected_0000000000.bin and _0000000001.bin: the bytes lit-gpt's PackedDatasetBuilder
# (lit_gpt/packed_dataset.py, notes 5.2) writes for the token stream below with chunk_size=10, sep_token=1,
# dtype uint16. Run offline with python3 + numpy; only the small .bin outputs are committed.
import struct
import numpy as np

HDR_MAGIC = b"LITPKDS"
dtypes = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float32, 7: np.float64, 8: np.uint16}

def code(dtype):
    for k, v in dtypes.items():
        if v == dtype:
            return k

class PackedDatasetBuilder:
    def __init__(self, prefix, chunk_size, sep_token, vocab_size):
        self._dtype = np.uint16 if vocab_size < 65500 else np.int32
        self._counter = 0
        self._chunk_size = chunk_size
        self._prefix = prefix
        self._sep_token = sep_token
        self._arr = np.zeros(chunk_size, dtype=self._dtype)
        self._arr.fill(sep_token)
        self._idx = 0
        self._version = 1

    def _write_chunk(self):
        filename = f"{self._prefix}_{self._counter:010d}.bin"
        with open(filename, "wb") as f:
            f.write(HDR_MAGIC)
            f.write(struct.pack("<Q", self._version))
            f.write(struct.pack("<B", code(self._dtype)))
            f.write(struct.pack("<Q", self._chunk_size))
            f.write(self._arr.tobytes(order="C"))
        self._counter += 1
        self._arr.fill(self._sep_token)
        self._idx = 0

    def add_array(self, arr):
        while self._idx + arr.shape[0] > self._chunk_size:
            part_len = self._chunk_size - self._idx
            self._arr[self._idx : self._idx + part_len] = arr[:part_len]
            self._write_chunk()
            arr = arr[part_len:]
        arr_len = arr.shape[0]
        self._arr[self._idx : self._idx + arr_len] = arr
        self._idx += arr_len

# The documents of PackedWriterTest.LIT_GPT_DOCS; the remainder (write_reminder) is not written, as since 0da1d7a.
docs = [[5, 6, 7], [300, 65535, 2], [256, 511, 1000, 4660, 2, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18], [19, 2]]
b = PackedDatasetBuilder("lit_gpt_expected", chunk_size=10, sep_token=1, vocab_size=32000)
for d in docs:
    b.add_array(np.array(d, dtype=np.uint16))
