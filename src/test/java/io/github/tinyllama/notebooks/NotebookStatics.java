package io.github.tinyllama.notebooks;

import com.google.gson.JsonObject;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.UUID;
import java.util.function.Consumer;

import javax.imageio.ImageIO;

/**
 * What the Java kernels give notebook code through a static import: {@code display}, {@code render}
 * and {@code printf}, with JJava's signatures and renderings ({@code BaseNotebookStatics}).
 *
 * <p>Every object renders as {@code text/plain} ({@code String.valueOf}); a {@link RenderedImage}
 * also as {@code image/png}; a {@link CharSequence} also as each MIME type asked for (so
 * {@code display(html, "text/html")} shows a table). JJava registers no other renderers by default.
 */
public final class NotebookStatics {

    /** Receives what the cell now running displays; set by {@link NotebookKernel} around each cell. */
    private static volatile Consumer<JsonObject> current;

    private NotebookStatics() {}

    static void attach(Consumer<JsonObject> outputs) {
        current = outputs;
    }

    /** Renders an object as a MIME bundle, as JJava's default renderer does. */
    public static JsonObject render(Object o) {
        JsonObject data = new JsonObject();
        if (o instanceof RenderedImage) {
            data.addProperty("image/png", png((RenderedImage) o));
        }
        data.addProperty("text/plain", String.valueOf(o));
        return data;
    }

    /** Renders an object as text and the given MIME types (those it supports). */
    public static JsonObject render(Object o, String... mimeTypes) {
        JsonObject data = new JsonObject();
        for (String type : mimeTypes) {
            if (o instanceof CharSequence && !type.startsWith("image/png")) {
                data.addProperty(type, o.toString());
            } else if (o instanceof RenderedImage && type.equals("image/png")) {
                data.addProperty(type, png((RenderedImage) o));
            }
        }
        data.addProperty("text/plain", String.valueOf(o));
        return data;
    }

    /** Shows an object below the cell; returns its display id. */
    public static String display(Object o) {
        return show(render(o));
    }

    /** Shows an object as the given MIME types; returns its display id. */
    public static String display(Object o, String... mimeTypes) {
        return show(render(o, mimeTypes));
    }

    /** {@code System.out.printf}. */
    public static void printf(String format, Object... args) {
        System.out.printf(format, args);
    }

    private static String show(JsonObject data) {
        Consumer<JsonObject> outputs = current;
        if (outputs == null) {
            throw new IllegalStateException("display called outside a notebook cell");
        }
        outputs.accept(data);
        return UUID.randomUUID().toString();
    }

    private static String png(RenderedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
