from twin.cli import run

run()
