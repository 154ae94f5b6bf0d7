"""`dreams bench`: networks per second (a training step plus the render of the dreams) of the
dreamer, against a plain eager DCGAN loop of the same networks in the same process.

The baseline is the loop of pytorch/examples dcgan/main.py: batch-norm generator, plain
discriminator (no spectral norm), BCE loss, no augmentation, the fixed noise rendered every step.
Rounds of the two alternate, so that a noisy neighbour on a shared machine slows both alike;
the figure that matters is the ratio.
"""

import copy
import time

import numpy as np
import torch
from torch import nn

from engine.config import Config
from engine.device import pick_device
from engine.film import FilmSource
from engine.memory import FrameMemory
from engine.networks import Discriminator, Generator, weights_init
from engine.trainer import Trainer, pick_width

ROUNDS = 4  # alternating rounds of each loop per resolution


class EagerBaseline:
    """pytorch/examples dcgan, step for step, on the same memory and the same network sizes."""

    def __init__(self, config: Config, memory: FrameMemory, width: int):
        dream, device = config.dream, memory.device
        torch.manual_seed(dream.seed)
        self.memory, self.batch, self.latent_size = memory, dream.batch_size, dream.latent_size
        self.netG = Generator(memory.size, memory.channels, dream.latent_size, width).to(device)
        self.netD = Discriminator(memory.size, memory.channels, width, spectral=False).to(device)
        self.netG.apply(weights_init)
        self.netD.apply(weights_init)
        self.criterion = nn.BCEWithLogitsLoss()
        self.fixed_noise = torch.randn(dream.dreams, dream.latent_size, device=device)
        betas = (dream.beta1, 0.999)
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), dream.learning_rate, betas=betas)
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), dream.learning_rate, betas=betas)

    def step(self):
        device = self.memory.device
        real = self.memory.sample(self.batch)
        ones = torch.ones(self.batch, device=device)
        zeros = torch.zeros(self.batch, device=device)
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        self.netD.zero_grad()
        errD_real = self.criterion(self.netD(real), ones)
        errD_real.backward()
        noise = torch.randn(self.batch, self.latent_size, device=device)
        fake = self.netG(noise)
        errD_fake = self.criterion(self.netD(fake.detach()), zeros)
        errD_fake.backward()
        self.optimizerD.step()
        # (2) Update G network: maximize log(D(G(z)))
        self.netG.zero_grad()
        errG = self.criterion(self.netD(fake), ones)
        errG.backward()
        self.optimizerG.step()
        # the fixed noise through the new generator, to look at
        with torch.no_grad():
            images = self.netG(self.fixed_noise).add(1).mul(127.5).clamp(0, 255).byte()
        return (errD_real + errD_fake).item(), errG.item(), images.cpu().numpy()


def networks_per_second(step, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        count += 1
    return count / (time.perf_counter() - started)


def memory_of_the_film(config: Config, size: int, color: bool, device) -> FrameMemory:
    """A frame memory holding the first 256 frames of the configured film (looped if short)."""
    memory = FrameMemory(256, size, 3 if color else 1, device)
    film = FilmSource(config.film.source, size, color=color)
    while len(memory) < memory.capacity and (frame := film.read()) is not None:
        memory.append(frame)
    film.close()
    return memory


def measure(config: Config, resolution: int, seconds: float) -> dict:
    device = pick_device(config.dream.device)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    memory = memory_of_the_film(config, resolution, config.film.color, device)
    started = time.perf_counter()
    trainer = Trainer(config.dream, memory)
    trainer.step()  # the first network; with torch.compile, the compiling too
    first_s = time.perf_counter() - started
    for _ in range(3):  # warm-up: allocator, kernels, caches, CUDA graphs
        trainer.step()
    peak_gpu = torch.cuda.max_memory_reserved(device) / 2**20 if cuda else None
    baseline = EagerBaseline(config, memory, pick_width(config.dream.width, device))
    for _ in range(3):
        baseline.step()
    ours = eager = 0.0
    for _ in range(ROUNDS):
        eager += networks_per_second(baseline.step, seconds / ROUNDS) / ROUNDS
        ours += networks_per_second(trainer.step, seconds / ROUNDS) / ROUNDS
    return {
        "resolution": resolution,
        "device": str(device),
        "speed": trainer.speed.describe(),
        "width": trainer.width,
        "batch": config.dream.batch_size,
        "color": config.film.color,
        "dreams_per_s": ours,
        "eager_per_s": eager,
        "ratio": ours / eager,
        "first_network_s": first_s,
        "peak_gpu_mb": peak_gpu,
        "images": trainer.render(),  # for the screen bench; left out of the JSON
    }


def run_bench(config: Config, resolutions: list[int], seconds: float) -> list[dict]:
    """Networks per second at each resolution, against the eager loop."""
    results = []
    for resolution in resolutions:
        row = measure(config, resolution, seconds)
        print(
            f"networks at {resolution} x {resolution}: {row['dreams_per_s']:.2f}/s, "
            f"the eager loop {row['eager_per_s']:.2f}/s ({row['speed']})",
            flush=True,
        )
        results.append(row)
    return results


ORIGINAL_WORDS_PER_S = 1_623_811 / (18 * 3600)  # the 2020 GPT-2: 1,623,811 words in 18 hours


def run_poet_bench(config: Config, batches: list[int], seconds: float) -> list[dict]:
    """Words per second of the poet at each batch size, against batch 1 and the original."""
    from engine.poet import open_poet

    poet = open_poet(config.poet)
    results = []
    for batch in batches:
        poems = poet.poems(batch)
        next(poems)  # warm-up: the first poem of this batch size
        words, started = poet.words_written, time.perf_counter()
        while time.perf_counter() - started < seconds:
            next(poems)
        rate = (poet.words_written - words) / (time.perf_counter() - started)
        results.append({"batch": batch, "words_per_s": rate, "device": str(poet.device)})
        print(f"poet at batch {batch}: {rate:.1f} words/s", flush=True)
    return results


BENCH_LINES = [
    "The curfew tolls the knell of parting day,",
    "The lowing herd wind slowly o'er the lea,",
    "The ploughman homeward plods his weary way,",
    "And leaves the world to darkness and to me.",
]


def _real_time_factor(voice, seconds: float) -> float:
    """Seconds of synthesis per second of speech, over `seconds` of work."""
    work = spoken = 0.0
    while work < seconds:
        for line in BENCH_LINES:
            started = time.perf_counter()
            audio = voice.speak(line)
            work += time.perf_counter() - started
            spoken += len(audio) / voice.sample_rate
    return work / spoken


def run_voice_bench(config: Config, seconds: float) -> dict:
    """The voice's real-time factor alone, then while the dreamer trains at 64 x 64 beside it."""
    import threading

    from engine.voice import Voice

    voice = Voice(config.voice.model, config.voice.length_scale)
    device = pick_device(config.dream.device)
    memory = memory_of_the_film(config, 64, False, device)
    trainer = Trainer(config.dream, memory)
    alone = _real_time_factor(voice, seconds)
    stop, steps = threading.Event(), []

    def train():
        while not stop.is_set():
            steps.append(trainer.step())

    thread = threading.Thread(target=train, daemon=True)
    thread.start()
    started = time.perf_counter()
    beside = _real_time_factor(voice, seconds)
    stop.set()
    thread.join()
    rate = len(steps) / (time.perf_counter() - started)
    print(f"voice {voice.name}: real-time factor {alone:.3f} alone, {beside:.3f} beside the "
          f"dreamer at 64 x 64 ({rate:.1f} networks/s meanwhile)", flush=True)  # fmt: skip
    return {"voice": voice.name, "alone": alone, "beside_dreamer": beside, "networks_per_s": rate}


def run_osc_bench(config: Config, seconds: float, commands: int = 200) -> dict:
    """Latency from an OSC command to the first frame flipped with its effect, and the frame
    rate while a client floods at 10,000 messages a second, against the same show unflooded."""
    import socket
    import threading

    from pythonosc.osc_message_builder import build_msg

    from installation.show.assemble import open_show

    config = copy.deepcopy(config)  # the caller's settings stay as they were
    config.poet.enabled = False
    config.osc.port = 0
    show = open_show(config, fullscreen=False, networks_limit=0, duration_s=0)
    target = ("127.0.0.1", show.osc.port)
    result: dict = {}

    def fps_over(span: float) -> float:
        frames, started = show.frames_drawn, time.perf_counter()
        time.sleep(span)
        return (show.frames_drawn - frames) / (time.perf_counter() - started)

    def client():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        while show.current is None:
            time.sleep(0.05)
        latencies = []
        for i in range(commands):  # HUD off, on, off...: each visible on the next frame
            wanted = i % 2 == 1
            sent = time.monotonic()  # the clock of show.last_frame
            sock.sendto(build_msg("/dreams/screen/hud", [int(wanted)]).dgram, target)
            while not (show.last_frame[1] == wanted and show.last_frame[0] >= sent):
                time.sleep(0.0002)
            latencies.append(show.last_frame[0] - sent)
            time.sleep(0.03)
        result["latency_ms"] = np.percentile(latencies, [50, 99]) * 1000
        result["fps_calm"] = fps_over(seconds)
        stop = threading.Event()

        def flood():
            message = build_msg("/dreams/screen/grain", [0.05]).dgram
            due = time.perf_counter()
            while not stop.is_set():
                for _ in range(100):
                    sock.sendto(message, target)
                due += 0.01  # 100 every 10 ms: 10,000 a second
                time.sleep(max(0.0, due - time.perf_counter()))

        flooder = threading.Thread(target=flood, daemon=True)
        flooder.start()
        sent_before = show.osc.received + show.osc.gate.dropped
        result["fps_flood"] = fps_over(seconds)
        stop.set()
        flooder.join()
        result["flood_per_s"] = (show.osc.received + show.osc.gate.dropped - sent_before) / seconds
        show.stop()

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    show.run()
    thread.join()
    median, p99 = result["latency_ms"]
    print(f"osc bench: {commands} commands, latency to the screen median {median:.1f} ms, "
          f"p99 {p99:.1f} ms (screen.fps {config.screen.fps})")  # fmt: skip
    print(f"frames/s calm {result['fps_calm']:.1f}, under a flood of "
          f"{result['flood_per_s']:,.0f} messages/s {result['fps_flood']:.1f} "
          f"({result['fps_flood'] / result['fps_calm']:.2f} x calm)")  # fmt: skip
    return result
