package io.github.tinyllama.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.tinyllama.generate.Chat;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatTemplate;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * The chat page in a real browser (Debian's headless Chromium through Selenium): a message streams a reply,
 * a second message continues the same conversation, and the page shows tokens per second. Skipped, with a
 * message, where Chromium or its driver is not installed ({@code .ci/run} installs both).
 */
class ChatPageTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void aConversationStreamsAndShowsTokensPerSecond() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "Chromium not installed: apt-get install chromium chromium-driver to run the chat page test");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,700");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        try (TinyLlama llm = TinyLlama.load(Path.of("model-zoo/nano"));
                OpenAiServer server = OpenAiServer.builder(llm).optPort(0).optTemplate(ChatTemplate.ZEPHYR).start()) {
            WebDriver browser = new ChromeDriver(service, options);
            try {
                browser.get("http://127.0.0.1:" + server.port() + "/");
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(120));
                // Both turns must fit the nano model's 256-token context.
                browser.findElement(By.id("maxtokens")).clear();
                browser.findElement(By.id("maxtokens")).sendKeys("40");
                say(browser, wait, "Tell me a story.");
                say(browser, wait, "And then?");
                List<WebElement> bubbles = browser.findElements(By.cssSelector(".message"));
                assertEquals(4, bubbles.size(), "two messages and two replies");
                assertEquals("Tell me a story.", bubbles.get(0).getText());
                assertTrue(bubbles.stream().noneMatch(b -> b.getAttribute("class").contains("error")),
                        () -> "no error replies: " + bubbles.stream().map(WebElement::getText).toList());
                for (int i : new int[] {1, 3}) {
                    assertTrue(!bubbles.get(i).getText().isBlank(), "reply " + i + " is empty");
                }
                String stats = browser.findElement(By.id("stats")).getText();
                assertTrue(stats.matches("\\d+ tokens, \\d+\\.\\d tokens/s, first token after \\d+ ms"), stats);
                // The page keeps the conversation and sends it whole with each message.
                Object kept = ((ChromeDriver) browser).executeScript(
                        "return conversation.map(m => m.role + ':' + (m.role === 'user' ? m.content : '')).join('|')");
                assertEquals("user:Tell me a story.|assistant:|user:And then?|assistant:", kept);
            } finally {
                File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
                Files.copy(shot.toPath(), Path.of("target/chat-page.png"), StandardCopyOption.REPLACE_EXISTING);
                browser.quit();
            }
        }
    }

    /** Types a message, sends it, and waits until its reply has finished streaming (stats updated). */
    private static void say(WebDriver browser, WebDriverWait wait, String message) {
        int before = browser.findElements(By.cssSelector(".message")).size();
        String stats = browser.findElement(By.id("stats")).getText();
        browser.findElement(By.id("input")).sendKeys(message);
        browser.findElement(By.id("send")).click();
        wait.until(b -> b.findElements(By.cssSelector(".message")).size() == before + 2
                && !b.findElement(By.id("stats")).getText().equals(stats)
                && b.findElement(By.id("send")).isEnabled());
    }
}
