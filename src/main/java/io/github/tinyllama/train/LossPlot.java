package io.github.tinyllama.train;

import io.github.tinyllama.util.AtomicFiles;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Draws a training loss curve as a PNG (headless AWT; no plotting library needed for one line chart). */
public final class LossPlot {

    private static final int WIDTH = 800;
    private static final int HEIGHT = 480;
    private static final int MARGIN = 60;

    private LossPlot() {}

    /**
     * Renders the loss over steps.
     *
     * @param metrics the steps, in order
     * @param title the title drawn above the plot
     * @return the image
     */
    public static BufferedImage render(List<StepMetrics> metrics, String title) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(title, MARGIN, 30);
        int left = MARGIN;
        int right = WIDTH - 20;
        int top = 50;
        int bottom = HEIGHT - MARGIN;
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        g.drawString("step", (left + right) / 2, HEIGHT - 20);
        // Above the tick labels rather than beside them: the column at the left is theirs.
        g.drawString("loss", 10, top - 12);
        if (!metrics.isEmpty()) {
            double minLoss = metrics.stream().mapToDouble(StepMetrics::loss).min().orElse(0);
            double maxLoss = metrics.stream().mapToDouble(StepMetrics::loss).max().orElse(1);
            if (maxLoss - minLoss < 1e-9) {
                maxLoss = minLoss + 1;
            }
            int firstStep = metrics.get(0).step();
            int lastStep = Math.max(firstStep + 1, metrics.get(metrics.size() - 1).step());
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int i = 0; i <= 4; i++) {
                double loss = minLoss + (maxLoss - minLoss) * i / 4;
                int y = bottom - (int) ((bottom - top) * i / 4.0);
                g.drawString(String.format(Locale.ROOT, "%.2f", loss), 10, y + 4);
                int step = firstStep + (lastStep - firstStep) * i / 4;
                int x = left + (right - left) * i / 4;
                g.drawString(String.valueOf(step), x - 10, bottom + 16);
            }
            g.setColor(new Color(0x1f77b4));
            g.setStroke(new BasicStroke(1.5f));
            int prevX = -1;
            int prevY = -1;
            for (StepMetrics m : metrics) {
                int x = left + (int) ((right - left) * (double) (m.step() - firstStep) / (lastStep - firstStep));
                int y = bottom - (int) ((bottom - top) * (m.loss() - minLoss) / (maxLoss - minLoss));
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, x, y);
                }
                prevX = x;
                prevY = y;
            }
        }
        g.dispose();
        return image;
    }

    /** Writes the plot of {@code metrics} to {@code file} as a PNG, atomically. */
    public static void write(Path file, List<StepMetrics> metrics, String title) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(render(metrics, title), "png", png);
        ByteBuffer bytes = ByteBuffer.wrap(png.toByteArray());
        AtomicFiles.write(file, out -> AtomicFiles.writeAll(out, bytes));
    }
}
