package io.github.tinyllama.train;

import io.github.tinyllama.util.AtomicFiles;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Draws training loss curves as a PNG, the way a plotting library would: axes with round tick values
 * (1, 2 or 5 times a power of ten), a light grid at the ticks, and a legend naming each curve. Headless
 * AWT: one line chart does not earn a plotting library's dependencies.
 */
public final class LossPlot {

    private static final int WIDTH = 800;
    private static final int HEIGHT = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = WIDTH - 20;
    private static final int TOP = 50;
    private static final int BOTTOM = HEIGHT - 55;
    /** About this many ticks per axis, as matplotlib's default locator aims for. */
    private static final int TICKS = 6;
    private static final Color GRID = new Color(0xE0E0E0);
    /** matplotlib's first two colours, so the plots look like the ones readers know. */
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e)};

    private LossPlot() {}

    /** One curve: a label for the legend and a loss per step, in step order. */
    private record Curve(String label, SortedMap<Integer, Double> lossByStep, boolean markers) {}

    /**
     * Renders the training loss over steps.
     *
     * @param metrics the steps, in order
     * @param title the title drawn above the plot
     * @return the image
     */
    public static BufferedImage render(List<StepMetrics> metrics, String title) {
        return render(metrics, new TreeMap<>(), title);
    }

    /**
     * Renders the training loss and a held-out loss measured now and then, on the same axes.
     *
     * @param metrics the training steps, in order
     * @param heldOut held-out loss by step; may be empty
     * @param title the title drawn above the plot
     * @return the image
     */
    public static BufferedImage render(List<StepMetrics> metrics, SortedMap<Integer, Double> heldOut, String title) {
        SortedMap<Integer, Double> train = new TreeMap<>();
        metrics.forEach(m -> train.put(m.step(), m.loss()));
        List<Curve> curves = new ArrayList<>();
        curves.add(new Curve("train", train, false));
        if (!heldOut.isEmpty()) {
            curves.add(new Curve("held-out", heldOut, true));
        }
        return draw(curves, title);
    }

    private static BufferedImage draw(List<Curve> curves, String title) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(title, LEFT, 30);
        g.drawString("step", (LEFT + RIGHT) / 2 - 12, HEIGHT - 12);
        // Above the tick labels rather than beside them: the column at the left is theirs.
        g.drawString("loss", 10, TOP - 12);
        List<Curve> drawn = curves.stream().filter(c -> !c.lossByStep().isEmpty()).toList();
        if (!drawn.isEmpty()) {
            Axis x = Axis.of(drawn.stream().mapToDouble(c -> c.lossByStep().firstKey()).min().orElseThrow(),
                    drawn.stream().mapToDouble(c -> c.lossByStep().lastKey()).max().orElseThrow(), true);
            Axis y = Axis.of(drawn.stream().flatMap(c -> c.lossByStep().values().stream()).mapToDouble(d -> d).min()
                    .orElseThrow(), drawn.stream().flatMap(c -> c.lossByStep().values().stream())
                    .mapToDouble(d -> d).max().orElseThrow(), false);
            drawGridAndTicks(g, x, y);
            for (int i = 0; i < drawn.size(); i++) {
                drawCurve(g, drawn.get(i), x, y, COLORS[i % COLORS.length]);
            }
            drawLegend(g, drawn);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
        g.dispose();
        return image;
    }

    private static void drawGridAndTicks(Graphics2D g, Axis x, Axis y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (double v : x.ticks()) {
            int px = x.toPixel(v, LEFT, RIGHT);
            g.setColor(GRID);
            g.drawLine(px, TOP, px, BOTTOM);
            g.setColor(Color.BLACK);
            g.drawLine(px, BOTTOM, px, BOTTOM + 4);
            String label = x.label(v);
            g.drawString(label, px - fm.stringWidth(label) / 2, BOTTOM + 18);
        }
        for (double v : y.ticks()) {
            int py = y.toPixel(v, BOTTOM, TOP);
            g.setColor(GRID);
            g.drawLine(LEFT, py, RIGHT, py);
            g.setColor(Color.BLACK);
            g.drawLine(LEFT - 4, py, LEFT, py);
            String label = y.label(v);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), py + 4);
        }
    }

    private static void drawCurve(Graphics2D g, Curve curve, Axis x, Axis y, Color color) {
        g.setColor(color);
        g.setStroke(new BasicStroke(1.5f));
        int prevX = -1;
        int prevY = -1;
        for (var point : curve.lossByStep().entrySet()) {
            int px = x.toPixel(point.getKey(), LEFT, RIGHT);
            int py = y.toPixel(point.getValue(), BOTTOM, TOP);
            if (prevX >= 0) {
                g.drawLine(prevX, prevY, px, py);
            }
            if (curve.markers()) {
                g.fillOval(px - 3, py - 3, 7, 7);
            }
            prevX = px;
            prevY = py;
        }
    }

    private static void drawLegend(Graphics2D g, List<Curve> curves) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int textWidth = curves.stream().mapToInt(c -> fm.stringWidth(c.label())).max().orElse(0);
        int boxWidth = textWidth + 44;
        int boxHeight = curves.size() * 18 + 8;
        int bx = RIGHT - boxWidth - 10;
        int by = TOP + 10;
        g.setColor(Color.WHITE);
        g.fillRect(bx, by, boxWidth, boxHeight);
        g.setColor(Color.LIGHT_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(bx, by, boxWidth, boxHeight);
        for (int i = 0; i < curves.size(); i++) {
            int cy = by + 14 + i * 18;
            g.setColor(COLORS[i % COLORS.length]);
            g.setStroke(new BasicStroke(2f));
            g.drawLine(bx + 8, cy - 4, bx + 30, cy - 4);
            g.setColor(Color.BLACK);
            g.drawString(curves.get(i).label(), bx + 36, cy);
        }
    }

    /**
     * One axis: its range, widened to whole ticks for the loss, and ticks at round values.
     *
     * @param min the axis start
     * @param max the axis end
     * @param step the tick spacing, 1, 2 or 5 times a power of ten
     */
    record Axis(double min, double max, double step) {

        /** An axis over {@code [lo, hi]}; a value axis widens to the ticks around its data, a step axis does not. */
        static Axis of(double lo, double hi, boolean integral) {
            if (hi - lo < 1e-9) {
                lo -= integral ? 1 : 0.5;
                hi += integral ? 1 : 0.5;
            }
            double step = niceStep((hi - lo) / (TICKS - 1));
            if (integral) {
                return new Axis(lo, hi, Math.max(1, step));
            }
            return new Axis(Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step);
        }

        /**
         * The round number nearest to {@code raw} among 1, 2 and 5 times a power of ten (Heckbert's
         * "nice numbers", Graphics Gems, 1990).
         */
        static double niceStep(double raw) {
            double power = Math.pow(10, Math.floor(Math.log10(raw)));
            double fraction = raw / power;
            double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
            return nice * power;
        }

        /** The multiples of {@code step} within the axis. */
        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            for (long k = (long) Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) {
                ticks.add(k * step);
            }
            return ticks;
        }

        /** A tick value with as many decimals as the spacing needs: 4.2, 0.05, 20. */
        String label(double value) {
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", value);
        }

        int toPixel(double value, int from, int to) {
            return from + (int) Math.round((to - from) * (value - min) / (max - min));
        }
    }

    /** Writes the plot of {@code metrics} to {@code file} as a PNG, atomically. */
    public static void write(Path file, List<StepMetrics> metrics, String title) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(render(metrics, title), "png", png);
        ByteBuffer bytes = ByteBuffer.wrap(png.toByteArray());
        AtomicFiles.write(file, out -> AtomicFiles.writeAll(out, bytes));
    }
}
