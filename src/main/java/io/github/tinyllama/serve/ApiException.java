package io.github.tinyllama.serve;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

/** A request the server refuses, as OpenAI reports it: an HTTP status and an error object. */
final class ApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    ApiException(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 {@code invalid_request_error} about one field. */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    int status() {
        return status;
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    JsonObject toJson() {
        JsonObject error = new JsonObject();
        error.addProperty("message", getMessage());
        error.addProperty("type", type);
        if (param == null) {
            error.add("param", JsonNull.INSTANCE);
        } else {
            error.addProperty("param", param);
        }
        if (code == null) {
            error.add("code", JsonNull.INSTANCE);
        } else {
            error.addProperty("code", code);
        }
        JsonObject o = new JsonObject();
        o.add("error", error);
        return o;
    }
}
