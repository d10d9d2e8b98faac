"""`studybot completion bash|zsh`: a completion script made from the argument parser itself."""

from __future__ import annotations

import argparse


def _words(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Sub-command → its options."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: sorted(o for action in p._actions for o in action.option_strings)
        for name, p in sub.choices.items()
    }


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    commands = _words(parser)
    cases = "\n".join(f"        {name}) opts=\"{' '.join(opts)}\" ;;" for name, opts in commands.items())
    bash = f"""# studybot completion for bash: eval "$(studybot completion bash)"
_studybot() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} opts
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{' '.join(commands)} --version --help" -- "$cur"))
        return
    fi
    case "${{COMP_WORDS[1]}}" in
{cases}
        *) opts="" ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _studybot studybot"""
    if shell == "bash":
        return bash
    zsh_head = '# studybot completion for zsh: eval "$(studybot completion zsh)"'
    return f"{zsh_head}\nautoload -U +X bashcompinit && bashcompinit\n{bash}"
