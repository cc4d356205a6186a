"""Las tareas del curso en Python, para que un worker de Python RQ 1.13
pueda hacer los trabajos que encola rqlite (y al revés): los mismos nombres
que registra el paquete Go `tareas`.

Arranca el worker desde la raíz del repositorio, con PYTHONPATH=python para
que Python encuentre este módulo como `tareas`:

    PYTHONPATH=python /usr/bin/rq worker high default low

Si los trabajos se encolan con JSON (lo de siempre en rqlite), añade
-S rq.serializers.JSONSerializer. TAREAS_SEMILLA y TAREAS_SEGUNDO funcionan
como en Go: fijan el azar de las tareas y lo que dura un segundo simulado.
"""
import os
import random
import time

_semilla = os.environ.get("TAREAS_SEMILLA")
_azar = random.Random(int(_semilla) if _semilla is not None else None)


def _segundo():
    valor = os.environ.get("TAREAS_SEGUNDO", "1s").strip()
    unidades = (("ms", 0.001), ("us", 0.000001), ("s", 1.0), ("m", 60.0))
    for sufijo, escala in unidades:
        if valor.endswith(sufijo):
            return float(valor[: -len(sufijo)]) * escala
    return float(valor)


def tarea_pesada_y_falible(n):
    """Tarda n segundos y falla, nada más empezar, una de cada cinco veces."""
    print(f"tarea_pesada_y_falible ({n}) ", end="", flush=True)
    if _azar.random() < 0.2:
        raise ValueError("Hoy no me puedo levantar ♪♫")
    for _ in range(n):
        time.sleep(_segundo())
        print(".", end="", flush=True)
    print(" [OK]")
    return n


def count_words_at_url(url):
    """Cuenta las palabras de una página web."""
    from urllib.request import urlopen

    with urlopen(url) as resp:
        return len(resp.read().decode("utf-8", "replace").split())


def sumar(a, b):
    """Suma dos números: una tarea exacta, para las pruebas."""
    return a + b


def saludar(nombre, saludo="hola"):
    """Devuelve un saludo."""
    return f"{saludo}, {nombre}"


def fallar(motivo):
    """Falla siempre, con el motivo dado."""
    raise ValueError(motivo)


def solo_python():
    """Una tarea que solo existe en Python."""
    return "desde Python"
