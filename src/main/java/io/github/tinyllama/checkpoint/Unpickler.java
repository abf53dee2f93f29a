package io.github.tinyllama.checkpoint;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader for the pickles {@code torch.save} writes ({@code data.pkl}): it builds plain
 * Java values and never runs or instantiates anything named in the pickle.
 *
 * <p>Values: {@code None} is {@link #NONE}, bool {@link Boolean}, int {@link Long} (or
 * {@link BigInteger} when larger), float {@link Double}, str {@link String}, bytes {@code byte[]},
 * list {@link ArrayList}, tuple {@link Tuple}, dict and {@code OrderedDict} {@link LinkedHashMap},
 * tensors {@link TensorRef}. Only the globals a state dict or a training checkpoint needs are
 * accepted ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and
 * {@code _rebuild_parameter}, the {@code torch.*Storage} classes, {@code torch.UntypedStorage},
 * {@code torch.Size} and the {@code torch.float32}-style dtypes); any other global is refused with
 * its name when the pickle first mentions it.
 */
final class Unpickler {
    /** Python's {@code None}. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items);
        }
    }

    /** An allowed global, inert: what it means is decided by {@link #reduce}. */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** A storage named by a persistent id: the zip entry {@code data/<key>}. */
    record StorageRef(String key, TorchType type, String location, long numel) {
    }

    /** A tensor: a strided view of a storage. */
    record TensorRef(StorageRef storage, long storageOffset, long[] shape, long[] stride) {
    }

    private static final Set<String> TORCH_SCALAR_TYPES = Set.of("float32", "float16", "bfloat16", "float64",
            "int64", "int32", "int16", "int8", "uint8", "bool", "float", "half", "double", "long", "int");
    /** Deeper nesting than any checkpoint needs; guards the stack of marks. */
    private static final int MAX_MARKS = 10_000;

    private final Path file;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, StorageRef> storages = new HashMap<>();
    private int opPosition;

    private Unpickler(Path file, ByteBuffer in) {
        this.file = file;
        this.in = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads one pickle.
     *
     * @param file named in errors
     * @param pickle the bytes from position to limit
     * @return the top-level value
     * @throws CheckpointFormatException for a malformed pickle, an opcode outside the supported set, or a
     *     global that is not allowed (named in the message)
     */
    static Object load(Path file, ByteBuffer pickle) throws CheckpointFormatException {
        return new Unpickler(file, pickle).run();
    }

    private CheckpointFormatException error(String what) {
        return new CheckpointFormatException(file + ": data.pkl: " + what + " (at byte " + opPosition + ")");
    }

    private Object run() throws CheckpointFormatException {
        while (true) {
            if (!in.hasRemaining()) {
                throw error("pickle ends without a STOP opcode (truncated)");
            }
            opPosition = in.position();
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80: { // PROTO
                    int protocol = u8();
                    if (protocol > 5) {
                        throw error("unsupported pickle protocol " + protocol);
                    }
                    break;
                }
                case 0x95: // FRAME: the frame's bytes simply follow
                    bytes(8);
                    break;
                case '.': // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("STOP with " + stack.size() + " values on the stack");
                    }
                    return stack.get(0);
                case '(': // MARK
                    if (marks.size() >= MAX_MARKS) {
                        throw error("too deeply nested");
                    }
                    marks.push(stack.size());
                    break;
                case '}': // EMPTY_DICT
                    push(new LinkedHashMap<Object, Object>());
                    break;
                case ']': // EMPTY_LIST
                    push(new ArrayList<Object>());
                    break;
                case ')': // EMPTY_TUPLE
                    push(new Tuple(List.of()));
                    break;
                case 'N': // NONE
                    push(NONE);
                    break;
                case 0x88: // NEWTRUE
                    push(Boolean.TRUE);
                    break;
                case 0x89: // NEWFALSE
                    push(Boolean.FALSE);
                    break;
                case 'J': // BININT
                    push((long) int32());
                    break;
                case 'K': // BININT1
                    push((long) u8());
                    break;
                case 'M': // BININT2
                    push((long) (bytes(2).getShort() & 0xFFFF));
                    break;
                case 0x8a: // LONG1
                    push(longOf(u8()));
                    break;
                case 0x8b: { // LONG4
                    int n = int32();
                    if (n < 0) {
                        throw error("negative LONG4 length");
                    }
                    push(longOf(n));
                    break;
                }
                case 'G': // BINFLOAT: big-endian double
                    push(bytes(8).order(ByteOrder.BIG_ENDIAN).getDouble());
                    break;
                case 'X': // BINUNICODE
                    push(utf8(length(int32() & 0xFFFFFFFFL)));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(utf8(u8()));
                    break;
                case 0x8d: // BINUNICODE8
                    push(utf8(length(bytes(8).getLong())));
                    break;
                case 'U': // SHORT_BINSTRING
                    push(latin1(u8()));
                    break;
                case 'T': // BINSTRING
                    push(latin1(length(int32())));
                    break;
                case 'C': // SHORT_BINBYTES
                    push(raw(u8()));
                    break;
                case 'B': // BINBYTES
                    push(raw(length(int32() & 0xFFFFFFFFL)));
                    break;
                case 'q': // BINPUT
                    memo.put((long) u8(), top());
                    break;
                case 'r': // LONG_BINPUT
                    memo.put(int32() & 0xFFFFFFFFL, top());
                    break;
                case 0x94: // MEMOIZE
                    memo.put((long) memo.size(), top());
                    break;
                case 'h': // BINGET
                    push(memoGet(u8()));
                    break;
                case 'j': // LONG_BINGET
                    push(memoGet(int32() & 0xFFFFFFFFL));
                    break;
                case '0': // POP
                    pop();
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(top());
                    break;
                case 'c': { // GLOBAL
                    String module = line();
                    String name = line();
                    push(global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                    break;
                }
                case 't': // TUPLE
                    push(new Tuple(popMark()));
                    break;
                case 0x85: // TUPLE1
                    push(new Tuple(List.of(pop())));
                    break;
                case 0x86: { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(List.of(a, b)));
                    break;
                }
                case 0x87: { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(List.of(a, b, c)));
                    break;
                }
                case 'l': // LIST
                    push(new ArrayList<>(popMark()));
                    break;
                case 'd': { // DICT
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putPairs(dict, popMark());
                    push(dict);
                    break;
                }
                case 'a': { // APPEND
                    Object value = pop();
                    list(top()).add(value);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> values = popMark();
                    list(top()).addAll(values);
                    break;
                }
                case 's': { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    putPairs(dict(top()), List.of(key, value));
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> pairs = popMark();
                    putPairs(dict(top()), pairs);
                    break;
                }
                case 'Q': // BINPERSID
                    push(persistent(pop()));
                    break;
                case 'R': { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    build(top(), state);
                    break;
                }
                default:
                    throw error(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
    }

    private Object global(String module, String name) throws CheckpointFormatException {
        boolean allowed = switch (module) {
            case "collections" -> name.equals("OrderedDict");
            case "torch._utils" -> name.equals("_rebuild_tensor_v2") || name.equals("_rebuild_parameter")
                    || name.equals("_rebuild_parameter_with_state");
            case "torch" -> TorchType.byStorageClass(name) != null || TORCH_SCALAR_TYPES.contains(name)
                    || name.equals("Size");
            case "torch.storage" -> name.equals("UntypedStorage");
            default -> false;
        };
        if (!allowed) {
            throw error("refusing global '" + module + "." + name + "': a checkpoint may only reference tensors,"
                    + " storages and plain containers, and loading must never run code");
        }
        return new Global(module, name);
    }

    private Object reduce(Object callable, Object args) throws CheckpointFormatException {
        if (!(callable instanceof Global g)) {
            throw error("REDUCE of " + describe(callable) + ", which is not callable");
        }
        if (!(args instanceof Tuple t)) {
            throw error("REDUCE of " + g + " with arguments " + describe(args) + " instead of a tuple");
        }
        List<Object> a = t.items();
        switch (g.toString()) {
            case "collections.OrderedDict": {
                Map<Object, Object> dict = new LinkedHashMap<>();
                if (a.size() == 1 && a.get(0) instanceof List<?> items) {
                    for (Object item : items) {
                        if (!(item instanceof Tuple pair) || pair.items().size() != 2) {
                            throw error("OrderedDict item " + describe(item) + " is not a pair");
                        }
                        putPairs(dict, pair.items());
                    }
                } else if (!a.isEmpty()) {
                    throw error("OrderedDict called with " + a.size() + " arguments");
                }
                return dict;
            }
            case "torch._utils._rebuild_tensor_v2": {
                if (a.size() < 4 || a.size() > 7) {
                    throw error("_rebuild_tensor_v2 called with " + a.size() + " arguments");
                }
                if (!(a.get(0) instanceof StorageRef storage)) {
                    throw error("_rebuild_tensor_v2 needs a storage, got " + describe(a.get(0)));
                }
                long offset = integer(a.get(1), "storage offset");
                long[] shape = longs(a.get(2), "size");
                long[] stride = longs(a.get(3), "stride");
                if (shape.length != stride.length) {
                    throw error("tensor size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                            + " differ in rank");
                }
                return new TensorRef(storage, offset, shape, stride);
            }
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef tensor)) {
                    throw error(g + " needs a tensor");
                }
                return tensor;
            case "torch.Size":
                if (a.size() != 1 || !(a.get(0) instanceof Tuple)) {
                    throw error("torch.Size needs one tuple");
                }
                return a.get(0);
            default:
                throw error("'" + g + "' is not something a checkpoint calls");
        }
    }

    private StorageRef persistent(Object pid) throws CheckpointFormatException {
        if (!(pid instanceof Tuple t) || t.items().size() != 5 || !"storage".equals(t.items().get(0))) {
            throw error("persistent id " + describe(pid) + " is not ('storage', type, key, location, size)");
        }
        List<Object> a = t.items();
        TorchType type = null;
        if (a.get(1) instanceof Global g) {
            type = g.module().equals("torch") ? TorchType.byStorageClass(g.name()) : null;
            if (type == null && g.name().equals("UntypedStorage")) {
                type = TorchType.UNTYPED;
            }
            if (type == null && g.module().equals("torch")) {
                type = TorchType.byDtypeName(g.name());
            }
        }
        if (type == null || !(a.get(2) instanceof String key) || !(a.get(3) instanceof String location)) {
            throw error("persistent id " + describe(pid) + " is not ('storage', type, key, location, size)");
        }
        long numel = integer(a.get(4), "storage size");
        if (numel < 0) {
            throw error("storage " + key + " has negative size " + numel);
        }
        StorageRef ref = new StorageRef(key, type, location, numel);
        StorageRef earlier = storages.putIfAbsent(key, ref);
        if (earlier != null && !earlier.equals(ref)) {
            throw error("storage " + key + " is described twice differently");
        }
        return earlier != null ? earlier : ref;
    }

    private void build(Object target, Object state) throws CheckpointFormatException {
        // OrderedDict state dicts carry their _metadata attribute this way; parameters may carry state.
        if (target instanceof Map<?, ?> || target instanceof TensorRef) {
            return;
        }
        throw error("BUILD on " + describe(target));
    }

    private void putPairs(Map<Object, Object> dict, List<Object> pairs) throws CheckpointFormatException {
        if (pairs.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int i = 0; i < pairs.size(); i += 2) {
            Object key = pairs.get(i);
            if (key instanceof Map<?, ?> || key instanceof List<?> || key instanceof byte[]) {
                throw error("unhashable dict key " + describe(key));
            }
            dict.put(key, pairs.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws CheckpointFormatException {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("SETITEM on " + describe(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws CheckpointFormatException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw error("APPEND on " + describe(o) + ", not a list");
    }

    private long integer(Object o, String what) throws CheckpointFormatException {
        if (o instanceof Long l) {
            return l;
        }
        throw error(what + " " + describe(o) + " is not an integer");
    }

    private long[] longs(Object o, String what) throws CheckpointFormatException {
        if (!(o instanceof Tuple t)) {
            throw error("tensor " + what + " " + describe(o) + " is not a tuple");
        }
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(t.items().get(i), "tensor " + what + " element");
        }
        return out;
    }

    private static String describe(Object o) {
        if (o instanceof Map<?, ?>) {
            return "a dict";
        }
        if (o instanceof List<?>) {
            return "a list";
        }
        if (o instanceof TensorRef) {
            return "a tensor";
        }
        if (o instanceof StorageRef) {
            return "a storage";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        String s = String.valueOf(o);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws CheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) {
            throw error("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top() throws CheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) {
            throw error("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws CheckpointFormatException {
        if (marks.isEmpty()) {
            throw error("no MARK on the stack");
        }
        int mark = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(mark, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private Object memoGet(long index) throws CheckpointFormatException {
        Object o = memo.get(index);
        if (o == null) {
            throw error("memo entry " + index + " was never stored");
        }
        return o;
    }

    private ByteBuffer bytes(int n) throws CheckpointFormatException {
        if (in.remaining() < n) {
            throw error("pickle ends inside an opcode (truncated)");
        }
        ByteBuffer slice = in.slice().limit(n).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + n);
        return slice;
    }

    private int u8() throws CheckpointFormatException {
        return bytes(1).get() & 0xFF;
    }

    private int int32() throws CheckpointFormatException {
        return bytes(4).getInt();
    }

    private int length(long n) throws CheckpointFormatException {
        if (n < 0 || n > in.remaining()) {
            throw error("length " + n + " runs past the end of the pickle");
        }
        return (int) n;
    }

    private byte[] raw(int n) throws CheckpointFormatException {
        byte[] out = new byte[n];
        bytes(n).get(out);
        return out;
    }

    private String utf8(int n) throws CheckpointFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(bytes(n)).toString();
        } catch (CharacterCodingException e) {
            throw error("string is not valid UTF-8");
        }
    }

    private String latin1(int n) throws CheckpointFormatException {
        return new String(raw(n), StandardCharsets.ISO_8859_1);
    }

    private String line() throws CheckpointFormatException {
        int start = in.position();
        for (int i = start; i < in.limit() && i - start < 1000; i++) {
            if (in.get(i) == '\n') {
                String s = new String(raw(i - start), StandardCharsets.UTF_8);
                in.get();
                return s;
            }
        }
        throw error("GLOBAL name is not terminated");
    }

    private Object longOf(int n) throws CheckpointFormatException {
        byte[] le = raw(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }
}
