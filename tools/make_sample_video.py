"""Make the sample report's short clip, its poster and its French captions.

    apt-get install -y ffmpeg espeak-ng        # Debian's, once
    .venv/bin/python tools/make_sample_video.py

writes, for content/articles/organisation/hygiene-des-mains-chu-brest.md:

- content/videos/friction-hydro-alcoolique.mp4     about 30 s, 960 × 540, H.264 + AAC
  (every browser plays it), slides drawn with Pillow and a narration spoken by
  espeak-ng's French voice;
- content/images/friction-hydro-alcoolique-affiche.webp   the poster (1 280 × 720);
- content/videos/friction-hydro-alcoolique.fr.vtt   the captions, each cue timed on the
  spoken line it carries (the durations espeak-ng's audio files really have).

Only those three files are committed; everything else is made in a temporary folder.
The transcript (content/transcripts/friction-hydro-alcoolique.txt) is written by hand:
it also describes what is seen.
"""

import subprocess
import tempfile
import wave
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
NAME = "friction-hydro-alcoolique"
SIZE = (960, 540)
POSTER_SIZE = (1280, 720)
GAP = 0.6  # silence after each line, in seconds
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FONT_REGULAR = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BRAND = (140, 28, 60)
CREAM = (246, 241, 236)
INK = (27, 27, 27)
TEAL = (32, 128, 127)

# (what the slide shows, what the voice says): the captions are the spoken lines.
STEPS = [
    ("Friction hydro-alcoolique\nen sept gestes", "La friction hydro-alcoolique, en sept gestes et trente secondes."),
    ("1. Paume contre paume", "Une dose de solution au creux de la main, puis paume contre paume."),
    ("2. Le dos des mains", "La paume droite sur le dos de la main gauche, doigts entrelacés, et inversement."),
    ("3. Entre les doigts", "Paume contre paume, doigts entrelacés."),
    ("4. Le dos des doigts", "Le dos des doigts dans la paume opposée."),
    ("5. Les pouces", "Chaque pouce, pris dans l'autre main, en tournant."),
    ("6. Le bout des doigts", "Le bout des doigts et les ongles frottés au creux de la main."),
    ("7. Jusqu'à séchage", "On frotte jusqu'à ce que les mains soient sèches. Sans eau, sans essuie-mains."),
]


def slide(title, number, total, size):
    """One slide: the gesture's name large, and a bar showing how far the sequence is."""
    width, height = size
    picture = Image.new("RGB", size, CREAM)
    draw = ImageDraw.Draw(picture)
    draw.rectangle([0, 0, width, round(height * 0.12)], fill=BRAND)
    header = ImageFont.truetype(FONT, round(height * 0.05))
    draw.text((round(width * 0.04), round(height * 0.03)), "Pouls — hygiène des mains", font=header, fill=(255, 255, 255))
    big = ImageFont.truetype(FONT, round(height * (0.1 if number else 0.085)))
    draw.multiline_text((width / 2, height * 0.5), title.replace("'", "’"), font=big, fill=INK,
                        anchor="mm", align="center", spacing=round(height * 0.03))
    bar_top, bar_h = round(height * 0.86), round(height * 0.035)
    left, right = round(width * 0.1), round(width * 0.9)
    draw.rounded_rectangle([left, bar_top, right, bar_top + bar_h], radius=bar_h // 2, fill=(216, 207, 198))
    if number:
        filled = left + (right - left) * number / total
        draw.rounded_rectangle([left, bar_top, round(filled), bar_top + bar_h], radius=bar_h // 2, fill=TEAL)
    return picture


def speak(text, target):
    subprocess.run(["espeak-ng", "-v", "fr", "-s", "150", "-w", str(target), text], check=True)
    with wave.open(str(target)) as sound:
        return sound.getnframes() / sound.getframerate()


def stamp(seconds):
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:06.3f}"


def main():
    videos = ROOT / "content" / "videos"
    videos.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        cues, concat_video, concat_audio, clock = [], [], [], 0.0
        for index, (title, line) in enumerate(STEPS):
            audio = work / f"{index}.wav"
            spoken = speak(line, audio)
            frame = work / f"{index}.png"
            slide(title, index, len(STEPS) - 1, SIZE).save(frame)
            length = spoken + GAP
            cues.append((clock, clock + spoken, line.replace("'", "’")))
            concat_video += [f"file '{frame}'", f"duration {length:.3f}"]
            concat_audio += [f"file '{audio}'", f"duration {length:.3f}"]
            padded = work / f"{index}-pad.wav"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(audio), "-af", f"apad=whole_dur={length:.3f}",
                            "-ar", "44100", str(padded)], check=True)
            concat_audio[-2] = f"file '{padded}'"
            clock += length
        concat_video.append(f"file '{work / f'{len(STEPS) - 1}.png'}'")
        (work / "video.txt").write_text("\n".join(concat_video) + "\n")
        (work / "audio.txt").write_text("\n".join(line for line in concat_audio if line.startswith("file")) + "\n")
        clip = videos / f"{NAME}.mp4"
        subprocess.run([
            "ffmpeg", "-v", "error", "-y",
            "-f", "concat", "-safe", "0", "-i", str(work / "video.txt"),
            "-f", "concat", "-safe", "0", "-i", str(work / "audio.txt"),
            "-vf", "fps=25,format=yuv420p", "-c:v", "libx264", "-profile:v", "main", "-crf", "30",
            "-preset", "veryslow", "-tune", "stillimage",
            "-c:a", "aac", "-b:a", "48k", "-ac", "1",
            "-movflags", "+faststart", "-shortest", "-map_metadata", "-1", "-fflags", "+bitexact",
            str(clip),
        ], check=True)
    captions = ["WEBVTT", "", "NOTE Sous-titres de la vidéo « Friction hydro-alcoolique en sept gestes ».", ""]
    for number, (start, end, text) in enumerate(cues, start=1):
        captions += [str(number), f"{stamp(start)} --> {stamp(end)}", text, ""]
    (videos / f"{NAME}.fr.vtt").write_text("\n".join(captions), encoding="utf-8")
    poster = ROOT / "content" / "images" / f"{NAME}-affiche.webp"
    slide(STEPS[0][0], 0, len(STEPS) - 1, POSTER_SIZE).save(poster, "WEBP", quality=80, method=6)
    for path in (clip, videos / f"{NAME}.fr.vtt", poster):
        print(f"{path.relative_to(ROOT)} {path.stat().st_size} bytes")
    print(f"duration {clock:.1f} s")


if __name__ == "__main__":
    main()
