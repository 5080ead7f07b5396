"""Large uploads are read, imported and replayed in a thread of their own (uploads.in_background)."""

import threading

from connectors.uploads import in_background


def test_it_runs_the_work_in_another_thread_with_its_arguments():
    done, seen = threading.Event(), []

    def work(a, b):
        seen.append((a, b, threading.current_thread() is not threading.main_thread()))
        done.set()

    in_background(work, 1, "two")
    assert done.wait(5)
    assert seen == [(1, "two", True)]
