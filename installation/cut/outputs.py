"""The cut's files, checked before any work: a new cut never writes over, truncates or appends to
a file that is already there, and --resume goes on only with a cut that Dreams made (one that has
its own checkpoint folder). What to do instead is said in one line."""

from pathlib import Path

from installation.cut.plan import CutFiles
from installation.media.recorder import MINUTE_OF_VIDEO_MB, RecordError
from installation.paths import check_output


def check_cut_files(out: Path, resume: bool) -> CutFiles:
    """The cut's files if this run may write them; else a RecordError saying what to do."""
    # a device or a folder is refused there, and a disk without room for a minute of video
    files = CutFiles(check_output(out, "--out", need_mb=MINUTE_OF_VIDEO_MB))
    video = files.video
    if resume:
        if not files.checkpoints.is_dir():
            there = "is not a cut that `dreams record` left unfinished"
            if not video.exists() and not files.interrupted.exists():
                there = "does not exist"
            raise RecordError(
                f"--resume: {video} {there} (no {files.checkpoints.name} beside it); "
                "start it without --resume, under a name that is not taken"
            )
        return files
    if files.interrupted.exists() or files.checkpoints.exists():
        raise RecordError(
            f"--out {video}: an unfinished cut of that name is kept ({files.interrupted.name}, "
            f"{files.checkpoints.name}); add --resume to go on with it, or give another name"
        )
    if video.exists():
        raise RecordError(
            f"--out {video} exists; give another name, delete it, or add --resume to go on with "
            "an interrupted cut"
        )
    for path in (files.subtitles, files.book, files.log, files.sheet, files.losses):
        if path.exists():
            raise RecordError(
                f"--out {video}: {path} is there already, and a new cut would write over it; "
                "give another name, or move it away"
            )
    return files
